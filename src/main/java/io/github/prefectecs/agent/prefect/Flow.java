package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * The flow of a flow run, as the metadata query returns it.
 *
 * @param id flow id
 * @param name flow name
 * @param environment legacy environment (null for run-config based flows)
 * @param storage serialized storage (e.g. {@code {"type":"Docker", ...}}); may be null
 * @param version flow version; may be null
 * @param coreVersion Prefect Core version the flow was registered with; may be null
 * @param project the name of the flow's project; may be null
 */
public record Flow(
    String id,
    String name,
    JsonNode environment,
    JsonNode storage,
    Integer version,
    String coreVersion,
    String project) {
  public Flow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
  }

  /** A flow whose project is not known. */
  public Flow(
      String id,
      String name,
      JsonNode environment,
      JsonNode storage,
      Integer version,
      String coreVersion) {
    this(id, name, environment, storage, version, coreVersion, null);
  }
}
