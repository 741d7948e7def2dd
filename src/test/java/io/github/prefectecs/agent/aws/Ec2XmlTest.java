package io.github.prefectecs.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ec2XmlTest {
  private static byte[] bytes(String xml) {
    return xml.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        // Namespaced answer, a nested item set that must not shadow the subnet's own fields.
        "<DescribeSubnetsResponse xmlns='http://ec2.amazonaws.com/doc/2016-11-15/'><subnetSet>"
            + "<item><tagSet><item><subnetId>shadow</subnetId></item></tagSet>"
            + "<subnetId>subnet-1</subnetId></item></subnetSet><nextToken>abc</nextToken>"
            + "</DescribeSubnetsResponse>|subnet-1|1|abc",
        "<DescribeSubnetsResponse><subnetSet><item><subnetId> subnet-2 </subnetId></item>"
            + "<item><subnetId>subnet-3</subnetId></item></subnetSet><nextToken/>"
            + "</DescribeSubnetsResponse>|subnet-2|2|",
        "<DescribeSubnetsResponse><subnetSet/></DescribeSubnetsResponse>||0|",
      })
  void pagesReadTheDirectItemsAndTheNextToken(
      String xml, String firstId, int count, String nextToken) {
    Ec2Xml.Page page = Ec2Xml.page(bytes(xml), "subnetSet");

    assertThat(page.items()).hasSize(count);
    if (count > 0) {
      assertThat(Ec2Xml.text(page.items().get(0), "subnetId")).contains(firstId);
    }
    assertThat(page.nextToken()).isEqualTo(Optional.ofNullable(nextToken));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not"
            + " authorized to perform this operation.</Message></Error></Errors><RequestID>r"
            + "</RequestID></Response>|UnauthorizedOperation|You are not authorized to perform"
            + " this operation.",
        "<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>"
            + "|RequestLimitExceeded|",
        "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>||",
        "<html><body>Bad Gateway</body></html>||",
        "not xml at all||",
      })
  void errorBodiesYieldTheirFirstCodeAndMessage(String xml, String code, String message) {
    Optional<Ec2Xml.Fault> fault = Ec2Xml.error(bytes(xml));

    if (code == null) {
      assertThat(fault).isEmpty();
    } else {
      assertThat(fault).contains(new Ec2Xml.Fault(code, message == null ? "" : message));
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
            + "<r><vpcSet/></r>|answer is not XML",
        "<!DOCTYPE r [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><r><vpcSet/></r>"
            + "|answer is not XML",
        "<r><other/></r>|answer <r> has no <vpcSet>",
        "{}|answer is not XML",
      })
  void documentTypesAndForeignAnswersAreRejected(String xml, String message) {
    assertThatThrownBy(() -> Ec2Xml.page(bytes(xml), "vpcSet"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("root:"));
  }

  @ParameterizedTest
  @CsvSource({"true,true", "TRUE,true", "false,false", "'',false", "yes,false"})
  void flagsAreTrueOnlyForTrue(String value, boolean expected) {
    var item =
        Ec2Xml.page(
                bytes("<r><s><item><defaultForAz>" + value + "</defaultForAz></item></s></r>"), "s")
            .items()
            .get(0);

    assertThat(Ec2Xml.flag(item, "defaultForAz")).isEqualTo(expected);
    assertThat(Ec2Xml.flag(item, "mapPublicIpOnLaunch")).isFalse();
  }
}
