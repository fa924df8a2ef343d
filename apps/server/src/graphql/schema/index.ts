import { builder } from "../builder.ts";
import "./scalars.ts";
import "./errors.ts";
import "./enums.ts";
import "./Problem.ts";
import "./Device.ts";
import "./DeviceActions.ts";
import "./BulkRemediation.ts";
import "./StatusEvent.ts";
import "./StatusSummary.ts";
import "./Settings.ts";
import "./SyncRun.ts";
import "./ApiToken.ts";
import "./AuditEntry.ts";
import "./AlertRule.ts";
import "./Alert.ts";
import "./Webhook.ts";

builder.queryType({ description: "Read the fleet's enrolment health. Any valid token." });
builder.mutationType({ description: "Change settings and act on devices. ADMIN tokens only." });
builder.subscriptionType({ description: "Live updates. Any valid token." });

export const schema = builder.toSchema({ sortSchema: true });
