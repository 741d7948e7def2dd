package software.amazon.awssdk.regions;

import java.util.Map;
import software.amazon.awssdk.regions.servicemetadata.Ec2ServiceMetadata;
import software.amazon.awssdk.regions.servicemetadata.EcsServiceMetadata;
import software.amazon.awssdk.regions.servicemetadata.LogsServiceMetadata;

/**
 * The agent's replacement for the AWS SDK's class of this name (module {@code regions}, which the
 * shaded jar leaves out): the endpoint metadata of the services the agent calls, instead of all of
 * the SDK's ~310 services.
 *
 * <p>Every client the SDK builds asks {@link ServiceMetadata#of} for its signing region, and the
 * SDK's own provider answers from a map that creates one metadata object, and loads one class, per
 * AWS service: ~310 classes and ~3 MB of heap that stay for the life of the process, a tenth of the
 * agent's live heap. Here the map holds the services the agent calls ({@code ecs}, {@code logs},
 * and {@code ec2} for the default-VPC lookup's endpoint), with the SDK's own metadata classes, so
 * their endpoints and signing regions are the SDK's. Any other service gets the SDK's generic
 * {@link DefaultServiceMetadata} ({@code <service>.<region>.<partition domain>}, signed for the
 * region itself), as the SDK does for a service it does not know.
 *
 * <p>Checked by {@code ServiceMetadataProviderTest} against the SDK's original class, read from the
 * SDK's jar: the same interface, and the same metadata for these services.
 */
public final class GeneratedServiceMetadataProvider implements ServiceMetadataProvider {
  private static final Map<String, ServiceMetadata> SERVICE_METADATA =
      Map.of(
          "ecs", new EcsServiceMetadata(),
          "logs", new LogsServiceMetadata(),
          "ec2", new Ec2ServiceMetadata());

  @Override
  public ServiceMetadata serviceMetadata(String endpointPrefix) {
    return SERVICE_METADATA.get(endpointPrefix);
  }
}
