package dev.gefyra.oauth2demo.gitops;

import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service's image as Jib is configured to build it (no registry is reachable here to
 * build it): for both CPU architectures k3d and clusters run on, from a pinned base, as
 * the user the Pod's securityContext names.
 */
class ServiceImageTests {

	private static final String POM = "service/pom.xml";

	private static final String JIB = "/project/build/plugins/plugin[artifactId='jib-maven-plugin']/configuration";

	private static Document pom;

	private static XPath xpath;

	@BeforeAll
	static void readPom() throws Exception {
		DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
		factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
		pom = factory.newDocumentBuilder().parse(GitOpsTree.ROOT.resolve(POM).toFile());
		xpath = XPathFactory.newInstance().newXPath();
	}

	@Test
	void imageShouldBeBuiltForAmd64AndArm64() throws Exception {
		NodeList platforms = (NodeList) xpath.evaluate(JIB + "/from/platforms/platform", pom, XPathConstants.NODESET);
		List<String> built = new ArrayList<>();
		for (int i = 0; i < platforms.getLength(); i++) {
			built
				.add(xpath.evaluate("os", platforms.item(i)) + "/" + xpath.evaluate("architecture", platforms.item(i)));
		}
		assertThat(built).containsExactlyInAnyOrder("linux/amd64", "linux/arm64");
	}

	@Test
	void baseImageShouldBePinnedToAnExactTag() throws Exception {
		assertThat(xpath.evaluate(JIB + "/from/image", pom)).isEqualTo("${jib.base.image}");
		String base = xpath.evaluate("/project/properties/jib.base.image", pom);
		assertThat(base).matches("[a-z0-9./-]+:[A-Za-z0-9._-]+").doesNotEndWith(":latest");
	}

	@Test
	void imageUserShouldBeTheOneThePodRunsAs() throws Exception {
		Deployment deployment = GitOpsTree.render("gitops/oauth2-demo/overlays/local")
			.stream()
			.filter(Deployment.class::isInstance)
			.map(Deployment.class::cast)
			.findFirst()
			.orElseThrow();
		PodSecurityContext pod = deployment.getSpec().getTemplate().getSpec().getSecurityContext();
		assertThat(xpath.evaluate(JIB + "/container/user", pom))
			.isEqualTo(pod.getRunAsUser() + ":" + pod.getRunAsGroup());
	}

}
