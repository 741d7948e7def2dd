package io.github.prefectecs.agent.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Resolves a container secret's {@code valueFrom} as the ECS agent does, from moto: a Secrets
 * Manager ARN (optionally {@code :json-key:version-stage:version-id}), or a Systems Manager
 * parameter name or ARN. Thread-safe.
 */
final class Secrets {
  private final MotoWire moto;

  Secrets(MotoWire moto) {
    this.moto = moto;
  }

  /**
   * @throws MotoWire.CallException when the secret or parameter cannot be read, as ECS's start
   *     would fail
   */
  String resolve(String valueFrom) throws MotoWire.CallException {
    if (valueFrom.startsWith("arn:") && valueFrom.contains(":secretsmanager:")) {
      return secret(valueFrom);
    }
    return parameter(valueFrom);
  }

  private String secret(String valueFrom) throws MotoWire.CallException {
    String[] parts = valueFrom.split(":", -1);
    String secretArn =
        String.join(":", java.util.Arrays.copyOfRange(parts, 0, Math.min(7, parts.length)));
    String jsonKey = parts.length > 7 ? parts[7] : "";
    String stage = parts.length > 8 ? parts[8] : "";
    String version = parts.length > 9 ? parts[9] : "";
    ObjectNode body = MotoWire.JSON.createObjectNode().put("SecretId", secretArn);
    if (!stage.isEmpty()) {
      body.put("VersionStage", stage);
    }
    if (!version.isEmpty()) {
      body.put("VersionId", version);
    }
    String value =
        moto.call("secretsmanager", "secretsmanager.GetSecretValue", body)
            .path("SecretString")
            .asText();
    if (jsonKey.isEmpty()) {
      return value;
    }
    try {
      JsonNode json = MotoWire.JSON.readTree(value);
      if (!json.has(jsonKey)) {
        throw new MotoWire.CallException(
            "ResourceInitializationError", "secret " + secretArn + " has no JSON key " + jsonKey);
      }
      return json.get(jsonKey).asText();
    } catch (IOException e) {
      throw new MotoWire.CallException(
          "ResourceInitializationError", "secret " + secretArn + " is not JSON");
    }
  }

  private String parameter(String valueFrom) throws MotoWire.CallException {
    String name = valueFrom;
    int at = valueFrom.indexOf(":parameter");
    if (valueFrom.startsWith("arn:") && at >= 0) {
      name = valueFrom.substring(at + ":parameter".length());
    }
    ObjectNode body =
        MotoWire.JSON.createObjectNode().put("Name", name).put("WithDecryption", true);
    return moto.call("ssm", "AmazonSSM.GetParameter", body)
        .path("Parameter")
        .path("Value")
        .asText();
  }
}
