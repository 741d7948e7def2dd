package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.Messages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads the EC2 Query API's XML answers (API version 2016-11-15) with the JDK's parser, DTDs and
 * external entities disabled. Only direct children are read, so nested sets ({@code tagSet}, {@code
 * ipv6CidrBlockAssociationSet}) never shadow the fields asked for.
 *
 * <p>Thread-safe: every call builds its own parser.
 */
final class Ec2Xml {
  private Ec2Xml() {}

  /** One page of DescribeVpcs or DescribeSubnets: its items and the next page's token. */
  record Page(List<Element> items, Optional<String> nextToken) {}

  /** An EC2 error answer's first error: its code and message. */
  record Fault(String code, String message) {}

  /**
   * The items of {@code setName} and the {@code nextToken} of a Describe* answer.
   *
   * @throws IllegalArgumentException when the body is not such an answer
   */
  static Page page(byte[] body, String setName) {
    Element root = parse(body);
    Element set =
        child(root, setName)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "answer <" + root.getTagName() + "> has no <" + setName + ">"));
    List<Element> items = new ArrayList<>();
    for (Node n = set.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && "item".equals(name(e))) {
        items.add(e);
      }
    }
    return new Page(items, text(root, "nextToken").filter(t -> !t.isBlank()));
  }

  /** The first {@code Errors/Error} of an error answer, if the body is one. */
  static Optional<Fault> error(byte[] body) {
    Element root;
    try {
      root = parse(body);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return child(root, "Errors")
        .flatMap(errors -> child(errors, "Error"))
        .flatMap(
            e ->
                text(e, "Code")
                    .map(code -> new Fault(code, text(e, "Message").orElse("").strip())));
  }

  /** The text of the direct child {@code name} of {@code parent}, if present. */
  static Optional<String> text(Element parent, String name) {
    return child(parent, name).map(e -> e.getTextContent().strip());
  }

  /** Whether the direct child {@code name} of {@code parent} is {@code true}. */
  static boolean flag(Element parent, String name) {
    return text(parent, name).map("true"::equalsIgnoreCase).orElse(false);
  }

  private static Optional<Element> child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && name.equals(name(e))) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static String name(Element e) {
    return e.getLocalName() == null ? e.getTagName() : e.getLocalName();
  }

  private static Element parse(byte[] body) {
    try {
      DocumentBuilder builder = factory().newDocumentBuilder();
      // The JDK's default handler prints to stderr; this one only throws on fatal errors, so a
      // bad answer is reported once, by the caller.
      builder.setErrorHandler(new DefaultHandler());
      return builder.parse(new ByteArrayInputStream(body)).getDocumentElement();
    } catch (SAXException | IOException e) {
      throw new IllegalArgumentException(
          "answer is not XML: " + Messages.firstLine(e.getMessage()), e);
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK XML parser cannot be configured securely", e);
    }
  }

  private static DocumentBuilderFactory factory() throws ParserConfigurationException {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
    factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    factory.setXIncludeAware(false);
    factory.setExpandEntityReferences(false);
    return factory;
  }
}
