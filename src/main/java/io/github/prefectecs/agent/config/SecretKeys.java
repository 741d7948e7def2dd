package io.github.prefectecs.agent.config;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Decides which configuration keys and environment variable names hold secrets, so their values are
 * never printed. Stateless.
 */
public final class SecretKeys {
  private static final Pattern SECRET_NAME =
      Pattern.compile(
          ".*(api_?key|auth_?token|secret|token|password|passwd|credential|private_?key"
              + "|access_?key).*");

  private SecretKeys() {}

  /** True for {@code cloud.api_key}, {@code cloud.agent.auth_token}, {@code context.secrets.*}. */
  public static boolean isSecret(List<String> path) {
    if (path.size() >= 2
        && path.get(0).equalsIgnoreCase("context")
        && path.get(1).equalsIgnoreCase("secrets")) {
      return true;
    }
    return path.stream().anyMatch(SecretKeys::isSecretName);
  }

  /** True when a key or environment variable name looks like it carries a secret. */
  public static boolean isSecretName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    // An ARN names where a secret lives; it is not the secret.
    return !lower.endsWith("_arn") && SECRET_NAME.matcher(lower).matches();
  }
}
