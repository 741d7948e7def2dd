package io.github.prefectecs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LoggingSetupTest {
  private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
  private final Logger log = LoggerFactory.getLogger("io.github.prefectecs.agent.Test");

  @AfterEach
  void restore() {
    MDC.clear();
    LoggingSetup.apply("INFO", false);
  }

  private String output() {
    return sink.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @CsvSource({"DEBUG,DEBUG", "info,INFO", "WARNING,WARN", "warn,WARN", "ERROR,ERROR"})
  void mapsPythonLevelNames(String level, String logback) {
    assertThat(LoggingSetup.toLogback(level)).isEqualTo(Level.toLevel(logback));
  }

  @Test
  void plainLinesCarryUtcTimeLevelThreadLoggerAndFlowRunId() {
    LoggingSetup.apply("INFO", false, sink);
    MDC.put("flow_run_id", "fr-1");
    log.info("launched {}", "task");
    MDC.clear();
    log.info("idle");
    String[] lines = output().split("\n");
    assertThat(lines[0])
        .matches(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} UTC INFO  \\[[^]]+]"
                + " io\\.github\\.prefectecs\\.agent\\.Test flow_run_id=fr-1 - launched task");
    assertThat(lines[1]).endsWith("io.github.prefectecs.agent.Test - idle");
  }

  @Test
  void levelFiltersAndNoisyLibrariesAreQuiet() {
    LoggingSetup.apply("DEBUG", false, sink);
    log.debug("shown");
    LoggerFactory.getLogger("software.amazon.awssdk.request").info("sdk chatter");
    LoggerFactory.getLogger("okhttp3.OkHttpClient").warn("okhttp warning");
    assertThat(output()).contains("shown").doesNotContain("sdk chatter").contains("okhttp warning");
    sink.reset();
    LoggingSetup.apply("WARNING", false, sink);
    log.info("hidden");
    log.warn("visible");
    assertThat(output()).doesNotContain("hidden").contains("WARN ").contains("visible");
  }

  @Test
  void jsonLinesIncludeMdc() throws Exception {
    LoggingSetup.apply("INFO", true, sink);
    MDC.put("flow_run_id", "fr-2");
    log.warn("state {}", "Submitted");
    JsonNode json = new ObjectMapper().readTree(output().lines().findFirst().orElseThrow());
    assertThat(json.get("message").asText()).isEqualTo("state Submitted");
    assertThat(json.get("level").asText()).isEqualTo("WARN");
    assertThat(json.get("flow_run_id").asText()).isEqualTo("fr-2");
    assertThat(json.get("logger_name").asText()).isEqualTo("io.github.prefectecs.agent.Test");
    assertThat(json.has("@timestamp")).isTrue();
  }
}
