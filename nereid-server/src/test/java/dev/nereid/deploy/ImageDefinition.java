package dev.nereid.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The image as nereid-server's pom.xml defines it (the {@code image} profile's Jib configuration): what
 * the manifests must agree with, and what the built tarball must hold.
 *
 * @param ports the exposed ports
 * @param user the user, {@code uid:gid}
 * @param args the default arguments of the entrypoint ({@code serve ...})
 * @param mainClass the main class
 */
record ImageDefinition(List<Integer> ports, String user, List<String> args, String mainClass) {
  static final Path POM = Path.of("pom.xml");

  static ImageDefinition fromPom() throws Exception {
    var factory = DocumentBuilderFactory.newInstance();
    Element root;
    try (var in = Files.newInputStream(POM)) {
      root = factory.newDocumentBuilder().parse(in).getDocumentElement();
    }
    Element container = null;
    NodeList profiles = root.getElementsByTagName("profile");
    for (int i = 0; i < profiles.getLength(); i++) {
      Element profile = (Element) profiles.item(i);
      if ("image".equals(text(profile, "id"))) {
        container = (Element) profile.getElementsByTagName("container").item(0);
      }
    }
    if (container == null) {
      throw new IllegalStateException("no 'image' profile with a Jib <container> in " + POM.toAbsolutePath());
    }
    List<Integer> ports = new ArrayList<>();
    for (String port : texts(container, "port")) {
      ports.add(Integer.parseInt(port));
    }
    return new ImageDefinition(ports, text(container, "user"), texts(container, "arg"), text(container, "mainClass"));
  }

  /** The value after {@code option} in the default arguments. */
  String arg(String option) {
    int i = args.indexOf(option);
    if (i < 0 || i + 1 >= args.size()) {
      throw new IllegalStateException("the image's arguments have no " + option + ": " + args);
    }
    return args.get(i + 1);
  }

  long uid() {
    return Long.parseLong(user.split(":")[0]);
  }

  private static String text(Element parent, String tag) {
    for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element e && e.getTagName().equals(tag)) {
        return e.getTextContent().trim();
      }
    }
    return null;
  }

  private static List<String> texts(Element parent, String tag) {
    List<String> values = new ArrayList<>();
    NodeList nodes = parent.getElementsByTagName(tag);
    for (int i = 0; i < nodes.getLength(); i++) {
      values.add(nodes.item(i).getTextContent().trim());
    }
    return values;
  }
}
