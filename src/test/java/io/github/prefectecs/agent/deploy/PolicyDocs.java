package io.github.prefectecs.agent.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What docs/operations.md and docs/ecs.md say about the agent's permissions, read for tests. */
final class PolicyDocs {
  static final Path OPERATIONS = Path.of("docs", "operations.md");
  static final Path ECS_DOC = Path.of("docs", "ecs.md");
  static final String FLOW_TASK_ROLE = "arn:aws:iam::<ACCOUNT_ID>:role/<FLOW_TASK_ROLE>";
  static final String FLOW_EXECUTION_ROLE = "arn:aws:iam::<ACCOUNT_ID>:role/<FLOW_EXECUTION_ROLE>";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PolicyDocs() {}

  /**
   * The JSON policy of docs/operations.md's "IAM permissions" section (its first {@code json}
   * block).
   */
  static JsonNode agentPolicy() throws IOException {
    return JSON.readTree(block(OPERATIONS, "## IAM permissions", "```json"));
  }

  /**
   * {@code policy} with each value replaced by its placeholder, in the order given (an ARN before
   * the account id it contains).
   */
  static JsonNode withPlaceholders(JsonNode policy, Map<String, String> placeholders)
      throws IOException {
    String text = JSON.writeValueAsString(policy);
    for (Map.Entry<String, String> p : placeholders.entrySet()) {
      text = text.replace(p.getKey(), p.getValue());
    }
    return JSON.readTree(text);
  }

  /** The text of {@code file}'s section starting with {@code heading}, up to the next heading. */
  static String section(Path file, String heading) throws IOException {
    String text = Files.readString(file);
    int start = text.indexOf("\n" + heading + "\n");
    if (start < 0) {
      throw new AssertionError(file + " has no section " + heading);
    }
    int end = text.indexOf("\n## ", start + heading.length() + 1);
    return text.substring(start, end < 0 ? text.length() : end);
  }

  private static String block(Path file, String heading, String fence) throws IOException {
    String text = Files.readString(file);
    int section = text.indexOf("\n" + heading + "\n");
    if (section < 0) {
      throw new AssertionError(file + " has no section " + heading);
    }
    int start = text.indexOf(fence + "\n", section);
    int end = text.indexOf("\n```", start + fence.length());
    return text.substring(start + fence.length() + 1, end);
  }
}
