package io.github.prefectecs.agent.watch;

import java.nio.charset.StandardCharsets;

/**
 * Addresses in the AWS console, so a run log leads to its task with one click: the ECS console's
 * page of a task and the CloudWatch console's page of a log stream, in the task's region and
 * partition (aws, aws-cn, aws-us-gov), all read from the task ARN. Stateless.
 */
public final class ConsoleLinks {
  private ConsoleLinks() {}

  /**
   * The ECS console page of task {@code taskArn}; null when the ARN is not a task ARN.
   *
   * @param defaultCluster the agent's cluster, for old ARNs that do not name theirs (null: {@code
   *     default})
   */
  public static String task(String taskArn, String defaultCluster) {
    Arn arn = Arn.parse(taskArn);
    if (arn == null) {
      return null;
    }
    String cluster =
        EcsTasks.clusterOf(taskArn, defaultCluster == null ? "default" : defaultCluster);
    return console(arn)
        + "/ecs/v2/clusters/"
        + escape(cluster)
        + "/tasks/"
        + escape(arn.taskId())
        + "?region="
        + arn.region();
  }

  /**
   * The CloudWatch console page of the log stream {@code stream} of group {@code group}, in the
   * region and partition of {@code taskArn}; null when the ARN is not a task ARN.
   */
  public static String logStream(String taskArn, String group, String stream) {
    Arn arn = Arn.parse(taskArn);
    if (arn == null) {
      return null;
    }
    return console(arn)
        + "/cloudwatch/home?region="
        + arn.region()
        + "#logsV2:log-groups/log-group/"
        + fragment(group)
        + "/log-events/"
        + fragment(stream);
  }

  /**
   * One line for a run log: {@code ECS console: <url>} and, when the task's log stream is known,
   * {@code ; CloudWatch logs: <url>}; empty when the ARN is not a task ARN.
   */
  public static String line(String taskArn, String defaultCluster, ObservedTask.LogStream logs) {
    String task = task(taskArn, defaultCluster);
    if (task == null) {
      return "";
    }
    String line = "ECS console: " + task;
    if (logs != null) {
      line +=
          "; CloudWatch logs: "
              + logStream(taskArn, logs.group(), logs.stream(Arn.parse(taskArn).taskId()));
    }
    return line;
  }

  private static String console(Arn arn) {
    return switch (arn.partition()) {
      case "aws-cn" -> "https://console.amazonaws.cn";
      case "aws-us-gov" -> "https://console.amazonaws-us-gov.com";
      default -> "https://" + arn.region() + ".console.aws.amazon.com";
    };
  }

  /**
   * A name inside the CloudWatch console's fragment: percent-encoded twice, then every {@code %}
   * written {@code $} ({@code /} becomes {@code $252F}), as the console writes its own links.
   */
  static String fragment(String name) {
    return escape(escape(name)).replace('%', '$');
  }

  /** Percent-encodes every byte but the unreserved characters of RFC 3986. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** {@code arn:<partition>:ecs:<region>:<account>:task/[<cluster>/]<id>}. */
  private record Arn(String partition, String region, String taskId) {
    static Arn parse(String arn) {
      String[] parts = arn == null ? new String[0] : arn.split(":", 6);
      if (parts.length != 6
          || !parts[0].equals("arn")
          || !parts[2].equals("ecs")
          || parts[3].isEmpty()
          || !parts[5].startsWith("task/")) {
        return null;
      }
      String resource = parts[5];
      return new Arn(parts[1], parts[3], resource.substring(resource.lastIndexOf('/') + 1));
    }
  }
}
