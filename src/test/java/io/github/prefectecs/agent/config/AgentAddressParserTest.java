package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentAddressParserTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    "http://0.0.0.0:8080, http://0.0.0.0:8080",
    "http://localhost:8080/, http://localhost:8080",
    "127.0.0.1:8080, http://127.0.0.1:8080",
    "localhost:0, http://localhost:0",
    ":9000, http://0.0.0.0:9000",
    "http://:9000, http://0.0.0.0:9000",
    "[::1]:8080, http://[::1]:8080",
    "https://agent.local:443, http://agent.local:443"
  })
  void acceptsUrlAndBareForms(String text, String expected) {
    assertThat(AgentAddressParser.parse(text)).hasToString(expected);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "http://0.0.0.0|the port is missing",
        "127.0.0.1|the port is missing",
        "127.0.0.1:|the port is missing",
        "host:70000|port 70000 is outside 0..65535",
        "host:9999999|outside 0..65535",
        "ftp://host:21|not an address",
        "host:80:90|not an address",
        "host name:80|not an address"
      })
  void rejectsWithOneLineReason(String text, String reason) {
    assertThatThrownBy(() -> AgentAddressParser.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason)
        .hasMessageNotContaining("\n");
  }
}
