/**
 * The amazon-cloudwatch-observability add-on's configuration. Pure.
 *
 * The add-on turns on CloudWatch Application Signals by default
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/eks-observability-addon-application-signals.html):
 * its agent then listens for OpenTelemetry metrics and traces and sends traces to X-Ray, which
 * needs X-Ray write permissions the agent's role does not have (it logs AccessDenied). The
 * pipeline's processor is not instrumented for it, so there is nothing to receive: we turn it off
 * rather than grant permissions for nothing. The agent enables Application Signals only where its
 * configuration has an `application_signals` section under `logs.metrics_collected` or
 * `traces.traces_collected`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Application_Signals.html),
 * and an `agent.config` given to the add-on replaces its default configuration
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html,
 * "(Optional) Additional configuration"): so this one keeps Container Insights with enhanced
 * observability and has no `application_signals` and no `traces` section.
 */

/** The add-on's `configurationValues` (an object; the component serialises it). */
export function observabilityAddonConfiguration(): Record<string, unknown> {
  return {
    agent: {
      config: {
        logs: {
          metrics_collected: {
            kubernetes: { enhanced_container_insights: true },
          },
        },
      },
    },
  };
}
