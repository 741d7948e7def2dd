package io.github.prefectecs.agent.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * CloudFormation and IAM in moto over their Query APIs (form POSTs, XML answers), which is all the
 * stack test needs of them; the project's SDK version has no CloudFormation or IAM module in the
 * registry its machines reach. moto checks no signatures: the {@code Authorization} header only
 * tells it which service a request is for.
 *
 * <p>Thread-safe.
 */
final class MotoCloudFormation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI endpoint;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  MotoCloudFormation(URI endpoint) {
    this.endpoint = endpoint;
  }

  /** A stack as DescribeStacks shows it. */
  record Stack(String id, String status, String reason, Map<String, String> outputs) {
    String output(String key) {
      String value = outputs.get(key);
      if (value == null) {
        throw new AssertionError("the stack has no output " + key + ": " + outputs);
      }
      return value;
    }
  }

  /** CreateStack with {@code CAPABILITY_IAM}; returns the stack as it stands afterwards. */
  Stack create(String name, String templateBody, Map<String, String> parameters) {
    call("cloudformation", "CreateStack", "2010-05-15", stackForm(name, templateBody, parameters));
    return describe(name);
  }

  /** UpdateStack with {@code CAPABILITY_IAM}; returns the stack as it stands afterwards. */
  Stack update(String name, String templateBody, Map<String, String> parameters) {
    call("cloudformation", "UpdateStack", "2010-05-15", stackForm(name, templateBody, parameters));
    return describe(name);
  }

  private static Map<String, String> stackForm(
      String name, String templateBody, Map<String, String> parameters) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("StackName", name);
    form.put("TemplateBody", templateBody);
    form.put("Capabilities.member.1", "CAPABILITY_IAM");
    int i = 1;
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      form.put("Parameters.member." + i + ".ParameterKey", p.getKey());
      form.put("Parameters.member." + i + ".ParameterValue", p.getValue());
      i++;
    }
    return form;
  }

  Stack describe(String name) {
    Document answer =
        call("cloudformation", "DescribeStacks", "2010-05-15", Map.of("StackName", name));
    Element stacks = (Element) answer.getElementsByTagName("Stacks").item(0);
    Element stack = children(stacks, "member").get(0);
    Map<String, String> outputs = new LinkedHashMap<>();
    NodeList outputNodes = stack.getElementsByTagName("Outputs");
    if (outputNodes.getLength() > 0) {
      for (Element member : children((Element) outputNodes.item(0), "member")) {
        outputs.put(text(member, "OutputKey"), text(member, "OutputValue"));
      }
    }
    return new Stack(
        text(stack, "StackId"),
        text(stack, "StackStatus"),
        text(stack, "StackStatusReason"),
        outputs);
  }

  /** The default version's document of every managed policy attached to {@code roleName}. */
  List<JsonNode> attachedPolicyDocuments(String roleName) {
    Document attached =
        call("iam", "ListAttachedRolePolicies", "2010-05-08", Map.of("RoleName", roleName));
    List<JsonNode> documents = new ArrayList<>();
    NodeList arns = attached.getElementsByTagName("PolicyArn");
    for (int i = 0; i < arns.getLength(); i++) {
      String arn = arns.item(i).getTextContent();
      Document policy = call("iam", "GetPolicy", "2010-05-08", Map.of("PolicyArn", arn));
      String version = policy.getElementsByTagName("DefaultVersionId").item(0).getTextContent();
      Document document =
          call(
              "iam",
              "GetPolicyVersion",
              "2010-05-08",
              Map.of("PolicyArn", arn, "VersionId", version));
      String encoded = document.getElementsByTagName("Document").item(0).getTextContent();
      try {
        documents.add(JSON.readTree(URLDecoder.decode(encoded, StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new IllegalStateException("policy " + arn + " is not JSON: " + encoded, e);
      }
    }
    return documents;
  }

  private Document call(String service, String action, String version, Map<String, String> form) {
    StringBuilder body = new StringBuilder("Action=" + action + "&Version=" + version);
    form.forEach(
        (k, v) ->
            body.append('&')
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest request =
        HttpRequest.newBuilder(endpoint.resolve("/"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
                    + service
                    + "/aws4_request, SignedHeaders=host, Signature=0")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(service + " " + action + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(service + " " + action + " interrupted", e);
    }
    String text = new String(response.body(), StandardCharsets.UTF_8);
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          service + " " + action + " answered " + response.statusCode() + ": " + text);
    }
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(false);
      return factory.newDocumentBuilder().parse(new ByteArrayInputStream(response.body()));
    } catch (Exception e) {
      throw new IllegalStateException(service + " " + action + " answered no XML: " + text, e);
    }
  }

  private static List<Element> children(Element parent, String tag) {
    List<Element> found = new ArrayList<>();
    for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        found.add(e);
      }
    }
    return found;
  }

  private static String text(Element parent, String tag) {
    for (Element child : children(parent, tag)) {
      return child.getTextContent();
    }
    return null;
  }
}
