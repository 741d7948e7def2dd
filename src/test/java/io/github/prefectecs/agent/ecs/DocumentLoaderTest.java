package io.github.prefectecs.agent.ecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.aws.S3ObjectReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

class DocumentLoaderTest {
  @TempDir Path dir;

  private final DocumentLoader loader =
      new DocumentLoader(
          new S3ObjectReader(
              UrlConnectionHttpClient.create(),
              AnonymousCredentialsProvider.create(),
              "us-east-1",
              Map.of()));

  @Test
  void readsYamlAndJsonFromPathsAndFileUris() throws Exception {
    Path yaml =
        Files.writeString(
            dir.resolve("td.yaml"), "cpu: 1024\ncontainerDefinitions:\n  - name: flow\n");
    Path json = Files.writeString(dir.resolve("td.json"), "{\"cpu\": 512}");

    assertThat(loader.load("--task-definition", yaml.toString()).get("cpu").asInt())
        .isEqualTo(1024);
    assertThat(loader.load("--task-definition", json.toUri().toString()).get("cpu").asInt())
        .isEqualTo(512);
    assertThat(loader.load("task_definition_path", "agent://" + json).get("cpu").asInt())
        .isEqualTo(512);
  }

  @Test
  void jsonYamlFlowMappingsAndByteOrderMarksReadTheSameAsBefore() throws Exception {
    Path json =
        Files.writeString(
            dir.resolve("td.json"),
            "\n  {\"cpu\": 256, \"memory\": 5.5e2, \"tags\": [{\"key\": \"a\"}]}");
    Path flow = Files.writeString(dir.resolve("flow.yaml"), "{cpu: 1024, family: 'x'}\n");
    Path bom = dir.resolve("bom.json");
    Files.write(bom, ("\uFEFF{\"cpu\": 2048}").getBytes(java.nio.charset.StandardCharsets.UTF_8));

    var fromJson = loader.load("x", json.toString());
    assertThat(fromJson.get("cpu").asInt()).isEqualTo(256);
    assertThat(fromJson.get("memory").asDouble()).isEqualTo(550.0);
    assertThat(fromJson.at("/tags/0/key").asText()).isEqualTo("a");
    // Not strict JSON, but YAML: read as YAML, as it always was.
    assertThat(loader.load("x", flow.toString()).get("family").asText()).isEqualTo("x");
    assertThat(loader.load("x", bom.toString()).get("cpu").asInt()).isEqualTo(2048);
  }

  @Test
  void yamlReadsAsJacksonsYamlMapperReadsIt() throws Exception {
    var mapper = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
    for (String yaml :
        List.of(
            "cpu: 1024\nmemory: '2048'\nessential: true\nhostname: null\nratio: 0.5\n",
            "containerDefinitions:\n  - name: flow\n    command: [a, \"b c\"]\n"
                + "    environment:\n      - {name: A, value: 'yes'}\n",
            "base: &b {cpu: 256}\nother: *b\nnote: |\n  two\n  lines\n",
            "---\nfamily: f\n...\n",
            "big: 123456789012345678901\nlong: 4294967296\nneg: -3\n")) {
      assertThat(Json.readYamlOrJson(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .as(yaml)
          .isEqualTo(mapper.readTree(yaml));
    }
  }

  @Test
  void badJsonIsRejectedLikeBadYaml() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"cpu\": [1024}");

    assertThatThrownBy(() -> loader.load("x", bad.toString()))
        .isInstanceOf(EcsLaunchException.class)
        .hasMessageContaining("x " + bad + " is not valid YAML or JSON");
  }

  @Test
  void missingFileIsRejectedNamingTheSettingAndPath() {
    String missing = dir.resolve("nope.yaml").toString();

    assertThatThrownBy(() -> loader.load("--task-definition", missing))
        .isInstanceOf(EcsLaunchException.class)
        .hasMessage("--task-definition " + missing + ": file not found");
  }

  @Test
  void badYamlAndNonObjectsAreRejected() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "cpu: [1024\n");
    Path list = Files.writeString(dir.resolve("list.yaml"), "- a\n- b\n");

    assertThatThrownBy(() -> loader.load("x", bad.toString()))
        .hasMessageContaining("is not valid YAML or JSON");
    assertThatThrownBy(() -> loader.load("x", list.toString()))
        .hasMessageContaining("must hold a YAML/JSON object");
  }

  @Test
  void readsOverHttpAndRejectsAnErrorStatus() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setBody("memory: 2048\n"));
      server.enqueue(new MockResponse().setResponseCode(404));
      String url = server.url("/td.yaml").toString();

      assertThat(loader.load("task_definition_path", url).get("memory").asInt()).isEqualTo(2048);
      assertThatThrownBy(() -> loader.load("task_definition_path", url))
          .isInstanceOf(EcsLaunchException.class)
          .hasMessage("task_definition_path " + url + ": HTTP 404");
    }
  }
}
