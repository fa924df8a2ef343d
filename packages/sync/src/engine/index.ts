export { FleetTimeError, isMdmOn, parseFleetTime } from "./FleetTime.ts";
export {
  type EngineSettings,
  type Evaluation,
  evaluateDevice,
  type HostSnapshot,
  type PreviousDeviceState,
} from "./StatusEngine.ts";
export {
  CAUSE_TEXTS,
  CAUSES_BY_STATUS,
  type Cause,
  type CauseCode,
  causesFor,
  ENROLLMENT_STATUSES,
  EnrollmentStatus,
  MESSAGE_KINDS,
  type MessageKind,
  messageMismatch,
  type Problem,
  type ProblemStatus,
  REMEDIATION_KINDS,
  REMEDIATION_MESSAGE_KIND,
  REMEDIATION_TEXTS,
  type Remediation,
  type RemediationKind,
  remediationFor,
  remediationMessageFor,
} from "./vocabulary.ts";
