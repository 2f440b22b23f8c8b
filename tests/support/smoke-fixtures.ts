/**
 * Fixtures of the smoke test's unit tests: the resources of an emulator stack and its outputs as
 * local mode writes them.
 */
import { physicalNames, PROJECT, type Settings } from "../../config";
import { emulatorStackOutputs } from "../../local/serve-outputs";

/** An emulator stack's buckets and queues, by short names. */
export const LOCAL_RESOURCES = {
  rawBucket: "raw",
  processedBucket: "processed",
  eventsBucket: "events",
  preprocessQueueUrl: "http://q/preprocess",
  preprocessDlqUrl: "http://q/preprocess-dlq",
  eventsQueueUrl: "http://q/events",
  eventsDlqUrl: "http://q/events-dlq",
};

/** The required outputs local mode writes for stack `name` with `settings` over those resources. */
export function localStackOutputs(name: string, settings: Settings) {
  return emulatorStackOutputs(
    { name, settings, names: physicalNames(PROJECT, name) },
    LOCAL_RESOURCES,
  );
}
