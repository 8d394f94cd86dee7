package dev.gefyra.oauth2demo.gitops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gefyra.oauth2demo.kubernetes.RefusedSettingsAnnotation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every tree under gitops/ and argocd/ renders, holds only fields the Kubernetes API
 * knows, and is wired together as Argo CD will read it.
 */
class GitOpsTreeTests {

	/**
	 * Kustomizations that fetch a remote release (rendered by cluster-up, not offline
	 * here).
	 */
	private static final List<String> REMOTE = List.of("argocd/install");

	/** The project of the component Applications (argocd/project.yaml). */
	private static final String COMPONENTS_PROJECT = "oauth2-demo";

	/** The project of the app-of-apps (argocd/root-project.yaml). */
	private static final String ROOT_PROJECT = "oauth2-demo-root";

	static Stream<String> renderableKustomizations() {
		return GitOpsTree.kustomizationDirectories()
			.stream()
			.filter((directory) -> !REMOTE.contains(directory))
			.filter((directory) -> !GitOpsTree.read(directory + "/kustomization.yaml").contains("kind: Component"));
	}

	static Stream<String> overlays() {
		return GitOpsTree.kustomizationDirectories().stream().filter((directory) -> directory.contains("/overlays/"));
	}

	@Test
	void everyComponentShouldHaveLocalStagingAndProductionOverlays() {
		for (String component : List.of("postgresql", "keycloak", "oauth2-demo")) {
			assertThat(overlays()).contains("gitops/" + component + "/overlays/local",
					"gitops/" + component + "/overlays/staging", "gitops/" + component + "/overlays/production");
		}
	}

	@ParameterizedTest
	@MethodSource("renderableKustomizations")
	void kustomizationShouldRenderKnownFieldsOnly(String directory) {
		List<HasMetadata> objects = GitOpsTree.render(directory);
		assertThat(objects).isNotEmpty();
		for (HasMetadata object : objects) {
			assertThat(UnknownFields.in(object))
				.as("%s %s in %s", object.getKind(), object.getMetadata().getName(), directory)
				.isEmpty();
		}
	}

	@ParameterizedTest
	@MethodSource("overlays")
	void overlayShouldCommitNoSecret(String overlay) {
		assertThat(GitOpsTree.render(overlay)).noneMatch(Secret.class::isInstance);
		assertThat(GitOpsTree.read(overlay + "/kustomization.yaml")).doesNotContain("secretGenerator");
	}

	@ParameterizedTest
	@MethodSource("overlays")
	void namespacesShouldEnforceRestrictedPodSecurity(String overlay) {
		List<Namespace> namespaces = GitOpsTree.render(overlay)
			.stream()
			.filter(Namespace.class::isInstance)
			.map(Namespace.class::cast)
			.toList();
		assertThat(namespaces).hasSize(1);
		assertThat(namespaces.get(0).getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce",
				"restricted");
	}

	@ParameterizedTest
	@MethodSource("overlays")
	void everyObjectShouldCarryStandardLabels(String overlay) {
		for (HasMetadata object : GitOpsTree.render(overlay)) {
			assertThat(object.getMetadata().getLabels()).as("%s %s", object.getKind(), object.getMetadata().getName())
				.containsEntry("app.kubernetes.io/part-of", "oauth2-demo")
				.containsEntry("app.kubernetes.io/managed-by", "argocd")
				.containsKey("app.kubernetes.io/component");
		}
	}

	@Test
	void applicationsShouldSyncRenderableOverlaysInWaveOrder() {
		List<GenericKubernetesResource> applications = GitOpsTree.render("argocd/apps")
			.stream()
			.map(GenericKubernetesResource.class::cast)
			.sorted(Comparator.comparing(GitOpsTreeTests::wave))
			.toList();
		assertThat(applications).extracting((app) -> app.getMetadata().getName())
			.containsExactly("postgresql", "keycloak", "oauth2-demo");
		JsonNode source = GitOpsTree.yamlFile("argocd/repo/repo.yaml").path("data");
		List<String> paths = new ArrayList<>();
		for (GenericKubernetesResource application : applications) {
			Map<String, Object> spec = application.get("spec");
			assertThat(application.<String>get("spec", "project")).isEqualTo(COMPONENTS_PROJECT);
			assertThat(application.<String>get("spec", "source", "repoURL")).isEqualTo(source.path("repoURL").asText());
			assertThat(application.<String>get("spec", "source", "targetRevision"))
				.isEqualTo(source.path("targetRevision").asText());
			assertThat(application.<Boolean>get("spec", "syncPolicy", "automated", "prune")).isTrue();
			assertThat(application.<Boolean>get("spec", "syncPolicy", "automated", "selfHeal")).isTrue();
			assertThat(application.<String>get("spec", "destination", "namespace"))
				.isEqualTo(application.getMetadata().getName());
			String path = application.get("spec", "source", "path");
			assertThat(path).isEqualTo(
					"gitops/" + application.getMetadata().getName() + "/overlays/" + source.path("overlay").asText());
			assertThat(GitOpsTree.render(path)).as(path).isNotEmpty();
			paths.add(path);
			assertThat(spec).isNotNull();
		}
		assertThat(paths).doesNotHaveDuplicates();
	}

	@Test
	void rootApplicationAndProjectsShouldNameThisRepositoryOnly() {
		List<HasMetadata> bootstrap = GitOpsTree.render("argocd");
		String repoUrl = GitOpsTree.yamlFile("argocd/repo/repo.yaml").path("data").path("repoURL").asText();
		assertThat(bootstrap.stream().filter((object) -> object.getKind().equals("AppProject")))
			.extracting((project) -> project.getMetadata().getName())
			.containsExactlyInAnyOrder(COMPONENTS_PROJECT, ROOT_PROJECT);
		for (String name : List.of(COMPONENTS_PROJECT, ROOT_PROJECT)) {
			GenericKubernetesResource project = find(bootstrap, "AppProject", name);
			assertThat(project.<List<String>>get("spec", "sourceRepos")).as(name).containsExactly(repoUrl);
		}
		assertThat(destinations(find(bootstrap, "AppProject", COMPONENTS_PROJECT)))
			.containsExactlyInAnyOrder("postgresql", "keycloak", "oauth2-demo");
		assertThat(destinations(find(bootstrap, "AppProject", ROOT_PROJECT))).containsExactly("argocd");
		GenericKubernetesResource root = find(bootstrap, "Application", "oauth2-demo-root");
		assertThat(root.<String>get("spec", "project")).isEqualTo(ROOT_PROJECT);
		assertThat(root.<String>get("spec", "destination", "namespace")).isEqualTo("argocd");
		assertThat(root.<String>get("spec", "source", "path")).isEqualTo("argocd/apps");
		assertThat(root.<String>get("spec", "source", "repoURL")).isEqualTo(repoUrl);
	}

	/**
	 * What git may create in argocd through the root: Applications, nothing else. An
	 * AppProject there would set its own limits.
	 */
	@Test
	void rootProjectShouldPermitApplicationsInArgocdOnly() {
		GenericKubernetesResource project = find(GitOpsTree.render("argocd"), "AppProject", ROOT_PROJECT);
		assertThat(kinds(project, "namespaceResourceWhitelist")).containsExactly("argoproj.io/Application");
		assertThat(kinds(project, "clusterResourceWhitelist")).isEmpty();
		assertThat(GitOpsTree.render("argocd/apps")).isNotEmpty()
			.allSatisfy((object) -> assertThat(object.getApiVersion() + "/" + object.getKind())
				.isEqualTo("argoproj.io/v1alpha1/Application"));
	}

	/**
	 * The components' project permits exactly the kinds their overlays hold, so a kind
	 * added to gitops/ is a deliberate change here, and none of Argo CD's own.
	 */
	@Test
	void componentsProjectShouldPermitExactlyTheKindsTheOverlaysHold() {
		Set<String> namespaced = new TreeSet<>();
		Set<String> clusterScoped = new TreeSet<>();
		overlays().flatMap((overlay) -> GitOpsTree.render(overlay).stream()).forEach((object) -> {
			String group = object.getApiVersion().contains("/")
					? object.getApiVersion().substring(0, object.getApiVersion().indexOf('/')) : "";
			// A kind fabric8 has no model for (SealedSecret) is namespaced when its
			// object names a
			// namespace.
			boolean inNamespace = object instanceof Namespaced || object.getMetadata().getNamespace() != null;
			(inNamespace ? namespaced : clusterScoped).add(group + "/" + object.getKind());
		});
		GenericKubernetesResource project = find(GitOpsTree.render("argocd"), "AppProject", COMPONENTS_PROJECT);
		assertThat(kinds(project, "namespaceResourceWhitelist")).isEqualTo(namespaced);
		assertThat(kinds(project, "clusterResourceWhitelist")).isEqualTo(clusterScoped).containsExactly("/Namespace");
		assertThat(namespaced).noneMatch((kind) -> kind.startsWith("argoproj.io/"));
	}

	/**
	 * Projects bound what an Application may do only if none permits everything: Argo
	 * CD's own project "default" does, unless emptied.
	 */
	@Test
	void defaultProjectShouldPermitNothing() {
		JsonNode install = GitOpsTree.yamlFile("argocd/install/kustomization.yaml");
		assertThat(install.path("resources")).extracting(JsonNode::asText).contains("default-project.yaml");
		JsonNode project = GitOpsTree.yamlFile("argocd/install/default-project.yaml");
		assertThat(project.path("kind").asText()).isEqualTo("AppProject");
		assertThat(project.path("metadata").path("name").asText()).isEqualTo("default");
		JsonNode spec = project.path("spec");
		for (String permits : List.of("sourceRepos", "sourceNamespaces", "destinations", "clusterResourceWhitelist")) {
			assertThat(spec.path(permits).isArray()).as(permits).isTrue();
			assertThat(spec.path(permits)).as(permits).isEmpty();
		}
		assertThat(spec.has("namespaceResourceWhitelist")).isFalse();
		assertThat(spec.path("namespaceResourceBlacklist")).singleElement().satisfies((entry) -> {
			assertThat(entry.path("group").asText()).isEqualTo("*");
			assertThat(entry.path("kind").asText()).isEqualTo("*");
		});
	}

	@Test
	void everyApplicationShouldSyncByTheOnePolicy() {
		List<GenericKubernetesResource> applications = new ArrayList<>();
		applications.add(find(GitOpsTree.render("argocd"), "Application", "oauth2-demo-root"));
		GitOpsTree.render("argocd/apps").stream().map(GenericKubernetesResource.class::cast).forEach(applications::add);
		assertThat(applications).hasSize(4);
		Map<String, Object> policy = applications.get(0).get("spec", "syncPolicy");
		assertThat(policy).containsKeys("automated", "retry");
		assertThat(applications).allSatisfy((application) -> assertThat(application.<Object>get("spec", "syncPolicy"))
			.as(application.getMetadata().getName())
			.isEqualTo(policy));
		List<String> statingIt = GitOpsTree.kustomizationDirectories()
			.stream()
			.filter((directory) -> directory.startsWith("argocd"))
			.flatMap((directory) -> filesIn(directory).stream())
			.filter((file) -> GitOpsTree.read(file).contains("syncPolicy:"))
			.toList();
		assertThat(statingIt).containsExactly("argocd/sync-policy/sync-policy.yaml");
	}

	@Test
	void argoCdShouldComePinnedWithApplicationHealthRestored() {
		String install = GitOpsTree.read("argocd/install/kustomization.yaml");
		assertThat(install)
			.contains("/argoproj/argo-cd/" + GitOpsTree.versions().get("ARGOCD_VERSION") + "/manifests/install.yaml");
		JsonNode argocdCm = GitOpsTree.yamlFile("argocd/install/argocd-cm.yaml");
		// The release's objects get their namespace after the patches are applied:
		// a patch naming one matches nothing, and kustomize refuses to render.
		assertThat(argocdCm.path("metadata").has("namespace")).as("namespace of the argocd-cm patch").isFalse();
		assertThat(argocdCm.path("data").path("resource.customizations.health.argoproj.io_Application").asText())
			.contains("obj.status.health.status");
	}

	/**
	 * The ConfigMap health check reads the marks the service writes, by the same names,
	 * and compares the refused settings with the key the service reads (the cluster
	 * journey proves it in Argo CD).
	 */
	@Test
	void configMapHealthShouldReadTheServicesRefusalMarks() {
		String lua = GitOpsTree.yamlFile("argocd/install/argocd-cm.yaml")
			.path("data")
			.path("resource.customizations.health.ConfigMap")
			.asText();
		assertThat(lua).contains("\"" + RefusedSettingsAnnotation.SETTINGS + "\"",
				"\"" + RefusedSettingsAnnotation.MESSAGE + "\"", "obj.data[\"application.yaml\"]",
				"hs.status = \"Degraded\"");
		// Argo CD 3 keeps resource health out of the Application unless told: the message
		// would reach neither kubectl nor the journey.
		assertThat(GitOpsTree.read("argocd/install/kustomization.yaml")).contains("- path: argocd-cmd-params-cm.yaml");
		assertThat(GitOpsTree.yamlFile("argocd/install/argocd-cmd-params-cm.yaml")
			.path("data")
			.path("controller.resource.health.persist")
			.asText()).isEqualTo("true");
	}

	@Test
	void clusterConfigShouldRunThePinnedK3s() {
		JsonNode cluster = GitOpsTree.yamlFile("scripts/k3d/cluster.yaml");
		assertThat(cluster.path("image").asText()).isEqualTo(GitOpsTree.versions().get("K3S_IMAGE"));
	}

	private static List<String> filesIn(String directory) {
		try (Stream<Path> files = Files.list(GitOpsTree.ROOT.resolve(directory))) {
			return files.filter(Files::isRegularFile)
				.map((file) -> GitOpsTree.ROOT.relativize(file).toString())
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static List<String> destinations(GenericKubernetesResource project) {
		List<Map<String, String>> destinations = project.get("spec", "destinations");
		assertThat(destinations).allSatisfy(
				(destination) -> assertThat(destination.get("server")).isEqualTo("https://kubernetes.default.svc"));
		return destinations.stream().map((destination) -> destination.get("namespace")).toList();
	}

	/** A project's list of kinds, each as "group/kind" ("" is the core group). */
	private static Set<String> kinds(GenericKubernetesResource project, String list) {
		List<Map<String, String>> entries = project.get("spec", list);
		Set<String> kinds = new TreeSet<>();
		if (entries != null) {
			entries.forEach((entry) -> kinds.add(entry.get("group") + "/" + entry.get("kind")));
		}
		return kinds;
	}

	private static int wave(GenericKubernetesResource application) {
		return Integer.parseInt(application.getMetadata().getAnnotations().get("argocd.argoproj.io/sync-wave"));
	}

	private static GenericKubernetesResource find(List<HasMetadata> objects, String kind, String name) {
		return objects.stream()
			.filter((object) -> object.getKind().equals(kind) && object.getMetadata().getName().equals(name))
			.map(GenericKubernetesResource.class::cast)
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + kind + " " + name));
	}

}
