package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The marker a Spot relaunch leaves in the Scheduled state's message, where the server keeps it: it
 * tells whichever agent launches the run next to use FARGATE (on-demand), and counts relaunches.
 * Stateless and thread-safe.
 */
public final class SpotMarker {
  private static final Pattern MARKER = Pattern.compile("\\[spot-relaunch (\\d+)/(\\d+); FARGATE]");

  private SpotMarker() {}

  /** The marker for relaunch {@code n} of at most {@code limit}. */
  public static String text(int n, int limit) {
    return "[spot-relaunch " + n + "/" + limit + "; FARGATE]";
  }

  /**
   * How many Spot relaunches the serialized state records: its own message or, for a Submitted
   * state, the message of the Scheduled state it wraps. 0 when none.
   */
  public static int count(JsonNode serializedState) {
    int found = 0;
    JsonNode state = serializedState;
    for (int depth = 0; state != null && state.isObject() && depth < 3; depth++) {
      Matcher m = MARKER.matcher(state.path("message").asText(""));
      if (m.find()) {
        found = Math.max(found, Integer.parseInt(m.group(1)));
      }
      state = state.get("state");
    }
    return found;
  }

  /** Whether the run must be launched on FARGATE (on-demand) after a Spot interruption. */
  public static boolean onDemandRequired(JsonNode serializedState) {
    return count(serializedState) > 0;
  }
}
