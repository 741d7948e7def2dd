package io.github.prefectecs.agent.logs;

import java.util.List;

/**
 * One page of a FilterLogEvents answer.
 *
 * @param events the events of this page (may be empty even when more follow)
 * @param nextToken the token for the next page; null when this was the last
 */
public record FilterPage(List<LogEvent> events, String nextToken) {
  public FilterPage {
    events = List.copyOf(events);
  }
}
