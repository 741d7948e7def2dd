package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/**
 * A row of the double's {@code task_run} table with its task's slug and name.
 *
 * @param id task run id
 * @param flowRunId flow run
 * @param taskId task
 * @param taskSlug the task's slug in its flow, e.g. {@code say_hello-1}
 * @param taskName the task's name, e.g. {@code say_hello}
 * @param mapIndex -1, or the index of a mapped child
 * @param state the current state's class name, e.g. Retrying
 * @param stateMessage the current state's message
 * @param stateStartTime the current state's start time (Scheduled-type states), or null
 * @param serializedState the current state as the flow runner wrote it
 * @param version the number of states set
 * @param startTime when it first went Running, or null
 * @param endTime when it last finished, or null
 * @param heartbeat its last heartbeat, or null
 */
public record TaskRunRecord(
    String id,
    String flowRunId,
    String taskId,
    String taskSlug,
    String taskName,
    int mapIndex,
    String state,
    String stateMessage,
    Instant stateStartTime,
    JsonNode serializedState,
    int version,
    Instant startTime,
    Instant endTime,
    Instant heartbeat) {

  /** The record of a {@code task_run} row and its {@code task} row (empty if it has none). */
  static TaskRunRecord of(Map<String, Object> row, Map<String, Object> task) {
    return new TaskRunRecord(
        (String) row.get("id"),
        (String) row.get("flow_run_id"),
        (String) row.get("task_id"),
        (String) task.get("slug"),
        (String) task.get("name"),
        (Integer) row.get("map_index"),
        (String) row.get("state"),
        (String) row.get("state_message"),
        (Instant) row.get("state_start_time"),
        (JsonNode) row.get("serialized_state"),
        (Integer) row.get("version"),
        (Instant) row.get("start_time"),
        (Instant) row.get("end_time"),
        (Instant) row.get("heartbeat"));
  }
}
