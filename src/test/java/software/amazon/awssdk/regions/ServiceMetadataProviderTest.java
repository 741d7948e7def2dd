package software.amazon.awssdk.regions;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.servicemetadata.EcsServiceMetadata;
import software.amazon.awssdk.regions.servicemetadata.LogsServiceMetadata;

/**
 * The agent's {@link GeneratedServiceMetadataProvider} against the SDK's original, loaded from the
 * SDK's {@code regions} jar in a class loader of its own: the services the agent calls resolve to
 * the same endpoints and signing regions in every partition, and an SDK upgrade that changes the
 * class it replaces shows here.
 */
class ServiceMetadataProviderTest {
  private static final List<String> REGIONS =
      List.of(
          "us-east-1",
          "eu-west-1",
          "ap-southeast-2",
          "us-gov-west-1",
          "cn-north-1",
          "us-iso-east-1",
          "il-central-1",
          "xx-unknown-9");

  private static URLClassLoader sdkOnly;
  private static Object original;

  @BeforeAll
  static void loadTheSdksOwnProvider() throws Exception {
    // The test class path without the project's own classes: the SDK as published.
    List<URL> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.endsWith(".jar")) {
        jars.add(Path.of(entry).toUri().toURL());
      }
    }
    assertThat(jars).contains(jarOf(ServiceMetadata.class));
    sdkOnly = new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    original =
        sdkOnly
            .loadClass(GeneratedServiceMetadataProvider.class.getName())
            .getConstructor()
            .newInstance();
  }

  @AfterAll
  static void close() throws Exception {
    sdkOnly.close();
  }

  @Test
  void the_agent_provider_is_the_one_the_sdk_uses() {
    assertThat(ServiceMetadata.of("ecs")).isInstanceOf(EcsServiceMetadata.class);
    assertThat(ServiceMetadata.of("logs")).isInstanceOf(LogsServiceMetadata.class);
    assertThat(ServiceMetadata.of("s3")).isInstanceOf(DefaultServiceMetadata.class);
  }

  @Test
  void the_sdks_original_has_the_same_shape() throws Exception {
    Class<?> type = original.getClass();
    assertThat(jarOf(type)).isEqualTo(jarOf(ServiceMetadata.class));
    assertThat(jarOf(GeneratedServiceMetadataProvider.class)).isNotEqualTo(jarOf(type));
    assertThat(type.getInterfaces())
        .extracting(Class::getName)
        .containsExactly(ServiceMetadataProvider.class.getName());
    assertThat(type.getMethod("serviceMetadata", String.class).getReturnType().getName())
        .isEqualTo(ServiceMetadata.class.getName());
    assertThat(sdkMetadata("ecs").getClass().getName())
        .isEqualTo(EcsServiceMetadata.class.getName());
  }

  @Test
  void ecs_logs_and_ec2_resolve_as_with_the_sdks_original() throws Exception {
    for (String service : List.of("ecs", "logs", "ec2")) {
      Object theirs = sdkMetadata(service);
      ServiceMetadata ours = ServiceMetadata.of(service);
      assertThat(ours.getClass().getName()).isEqualTo(theirs.getClass().getName());
      for (String region : REGIONS) {
        assertThat(ours.endpointFor(Region.of(region)).toString())
            .as("%s endpoint in %s", service, region)
            .isEqualTo(call(theirs, "endpointFor", region).toString());
        assertThat(ours.signingRegion(Region.of(region)).id())
            .as("%s signing region in %s", service, region)
            .isEqualTo(call(call(theirs, "signingRegion", region), "id", null).toString());
      }
    }
  }

  @Test
  void a_service_it_does_not_list_gets_the_sdks_generic_metadata() {
    ServiceMetadata sts = ServiceMetadata.of("sts");
    assertThat(sts.endpointFor(Region.EU_WEST_1).toString())
        .isEqualTo("sts.eu-west-1.amazonaws.com");
    assertThat(sts.signingRegion(Region.EU_WEST_1)).isEqualTo(Region.EU_WEST_1);
  }

  private static Object sdkMetadata(String service) throws Exception {
    Method of = original.getClass().getMethod("serviceMetadata", String.class);
    Object metadata = of.invoke(original, service);
    assertThat(metadata).as("the SDK's metadata for %s", service).isNotNull();
    return metadata;
  }

  /** {@code target.name(Region.of(region))}, or {@code target.name()}, in the SDK's own loader. */
  private static Object call(Object target, String name, String region) throws Exception {
    if (region == null) {
      return target.getClass().getMethod(name).invoke(target);
    }
    Class<?> regionType = sdkOnly.loadClass(Region.class.getName());
    Object sdkRegion = regionType.getMethod("of", String.class).invoke(null, region);
    for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
      for (Class<?> face : type.getInterfaces()) {
        if (face.getName().equals(ServiceMetadata.class.getName())) {
          return face.getMethod(name, regionType).invoke(target, sdkRegion);
        }
      }
    }
    throw new AssertionError(target.getClass() + " is not a ServiceMetadata");
  }

  private static URL jarOf(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation();
  }
}
