package io.github.prefectecs.agent.config;

import java.util.List;
import java.util.Map;

/**
 * Reads the Prefect secret {@code context.secrets.AWS_CREDENTIALS} ({@code ACCESS_KEY}, {@code
 * SECRET_ACCESS_KEY}, optional {@code SESSION_TOKEN}). Problems never include the values.
 */
final class AwsCredentialsBinder {
  private static final List<String> PATH = List.of("context", "secrets", "AWS_CREDENTIALS");
  private static final String EXAMPLE =
      "{\"ACCESS_KEY\": \"...\", \"SECRET_ACCESS_KEY\": \"...\", \"SESSION_TOKEN\": \"...\"}";

  private AwsCredentialsBinder() {}

  static AwsSecretCredentials bind(ValueReader r) {
    int before = r.problems().size();
    Map<String, Object> map = r.rawMap(PATH, EXAMPLE);
    if (map == null) {
      return null;
    }
    ConfigEntry where = r.entryOrChild(PATH);
    for (String key : map.keySet()) {
      if (!List.of("ACCESS_KEY", "SECRET_ACCESS_KEY", "SESSION_TOKEN").contains(key)) {
        r.problem(
            where,
            "unknown field " + key,
            "use only ACCESS_KEY, SECRET_ACCESS_KEY and SESSION_TOKEN");
      }
    }
    String accessKey = text(map, "ACCESS_KEY", true, r, where);
    String secretKey = text(map, "SECRET_ACCESS_KEY", true, r, where);
    String token = text(map, "SESSION_TOKEN", false, r, where);
    if (r.problems().size() > before) {
      return null;
    }
    return new AwsSecretCredentials(accessKey, Secret.of(secretKey), Secret.of(token));
  }

  private static String text(
      Map<String, Object> map, String key, boolean required, ValueReader r, ConfigEntry where) {
    Object v = map.get(key);
    if (v == null || (v instanceof String s && s.isBlank())) {
      if (required) {
        r.problem(where, key + " is missing", "write it like " + EXAMPLE);
      }
      return null;
    }
    if (v instanceof List<?> || v instanceof Map<?, ?>) {
      r.problem(where, key + " must be text", "write it like " + EXAMPLE);
      return null;
    }
    return String.valueOf(v);
  }
}
