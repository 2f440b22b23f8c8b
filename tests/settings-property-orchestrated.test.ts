/** Program runs over Pulumi.orchestrated.yaml (tests/support/settings-property.ts; one file per stack file, so jest spreads them over its workers). */
import { settingsProperty } from "./support/settings-property";

settingsProperty("orchestrated");
