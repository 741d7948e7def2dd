package io.github.prefectecs.agent.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides whether an identity policy allows one authorization request, with the parts of IAM's
 * evaluation the agent's policy uses: Allow and Deny statements, {@code Action} and {@code
 * Resource} with {@code *} and {@code ?} wildcards, and the condition operators {@code
 * StringEquals}, {@code StringLike}, {@code ArnEquals} and {@code ArnLike} (a key the request does
 * not carry fails its condition, as in IAM). Anything else in a statement ({@code NotAction}, other
 * operators, ...) is refused loudly rather than guessed.
 *
 * <p>moto's own IAM enforcement cannot stand in: it asks every ECS, Logs and EC2 action for the
 * resource {@code *}, so a statement scoped to ARNs never allows anything, and it passes no
 * condition keys, so conditions never restrict anything.
 *
 * <p>Stateless.
 */
final class PolicyEvaluator {
  private PolicyEvaluator() {}

  /**
   * One request IAM evaluates.
   *
   * @param action {@code service:Action}
   * @param resource the ARN the action is on, or {@code *} for actions without resource-level
   *     permissions
   * @param context condition keys the request carries
   */
  record Authorization(String action, String resource, Map<String, String> context) {
    Authorization {
      context = Map.copyOf(context);
    }

    static Authorization of(String action, String resource) {
      return new Authorization(action, resource, Map.of());
    }

    @Override
    public String toString() {
      return action + " on " + resource + (context.isEmpty() ? "" : " with " + context);
    }
  }

  /** The statement that allowed the request, or why none did. */
  record Decision(boolean allowed, String reason) {}

  static Decision evaluate(JsonNode policy, Authorization request) {
    Optional<String> allowedBy = Optional.empty();
    for (JsonNode statement : list(policy.path("Statement"))) {
      for (String unsupported : List.of("NotAction", "NotResource", "NotPrincipal", "Principal")) {
        if (statement.has(unsupported)) {
          throw new UnsupportedOperationException(unsupported + " is not modelled: " + statement);
        }
      }
      if (!applies(statement, request)) {
        continue;
      }
      String sid = statement.path("Sid").asText("(no Sid)");
      String effect = statement.path("Effect").asText();
      if ("Deny".equals(effect)) {
        return new Decision(false, "denied by " + sid);
      }
      if (!"Allow".equals(effect)) {
        throw new IllegalArgumentException("Effect must be Allow or Deny: " + statement);
      }
      allowedBy = allowedBy.or(() -> Optional.of(sid));
    }
    return allowedBy
        .map(sid -> new Decision(true, "allowed by " + sid))
        .orElseGet(() -> new Decision(false, "no statement allows " + request));
  }

  /** Every action a policy's statements name, as written. */
  static List<String> actions(JsonNode policy) {
    List<String> actions = new ArrayList<>();
    for (JsonNode statement : list(policy.path("Statement"))) {
      list(statement.path("Action")).forEach(a -> actions.add(a.asText()));
    }
    return actions;
  }

  private static boolean applies(JsonNode statement, Authorization request) {
    boolean action =
        list(statement.path("Action")).stream()
            .anyMatch(
                a ->
                    glob(a.asText().toLowerCase(Locale.ROOT))
                        .matcher(request.action().toLowerCase(Locale.ROOT))
                        .matches());
    boolean resource =
        list(statement.path("Resource")).stream()
            .anyMatch(r -> glob(r.asText()).matcher(request.resource()).matches());
    return action && resource && conditionsHold(statement.path("Condition"), request);
  }

  private static boolean conditionsHold(JsonNode conditions, Authorization request) {
    var operators = conditions.fields();
    while (operators.hasNext()) {
      var operator = operators.next();
      boolean exact =
          switch (operator.getKey()) {
            case "StringEquals" -> true;
            case "StringLike", "ArnEquals", "ArnLike" -> false;
            default ->
                throw new UnsupportedOperationException(
                    "condition operator " + operator.getKey() + " is not modelled");
          };
      var keys = operator.getValue().fields();
      while (keys.hasNext()) {
        var key = keys.next();
        String actual = value(request.context(), key.getKey());
        if (actual == null) {
          return false;
        }
        boolean any =
            list(key.getValue()).stream()
                .anyMatch(
                    v ->
                        exact
                            ? v.asText().equals(actual)
                            : glob(v.asText()).matcher(actual).matches());
        if (!any) {
          return false;
        }
      }
    }
    return true;
  }

  /** Condition keys are case-insensitive. */
  private static String value(Map<String, String> context, String key) {
    return context.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(key))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  private static List<JsonNode> list(JsonNode node) {
    List<JsonNode> items = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(items::add);
    } else if (!node.isMissingNode() && !node.isNull()) {
      items.add(node);
    }
    return items;
  }
}
