export { CliUsageError, parseCliArguments } from "./CliArguments.ts";
export {
  type Fault,
  FaultInjector,
  type FaultKind,
  type FaultOptions,
  type FaultRoute,
  type FaultSpec,
} from "./FaultInjector.ts";
export type {
  FleetDeviceMapping,
  FleetEndUser,
  FleetErrorBody,
  FleetHost,
  FleetHostDetail,
  FleetHostMdm,
  FleetHostMdmResponse,
  FleetHostSummary,
  FleetMdmSummary,
  MdmEnrollmentStatus,
} from "./FleetApiTypes.ts";
export {
  type AddHostOptions,
  FLEET_ZERO_TIME,
  FleetModel,
  type FleetModelOptions,
  type HostFilter,
  type HostPageRequest,
  type HostSituation,
  type HostStatusFilter,
  MAX_PER_PAGE,
  type MdmEnrollmentFilter,
  type SetStateOptions,
} from "./FleetModel.ts";
export type { Employee, HostProfile, MdmProfile } from "./FleetPopulation.ts";
export { type FleetSim, type FleetSimOptions, FleetSimServer, MAX_HOSTS, startFleetSim } from "./FleetSimServer.ts";
export {
  HOST_STATES,
  type HostState,
  isHostState,
  PLATFORMS,
  type Platform,
  type ProblemState,
  statesApplicableTo,
} from "./HostState.ts";
export { RequestLog, type RequestRecord, ROUTE_NAMES, type RouteName } from "./RequestLog.ts";
export { SimClock, type SimClockOptions } from "./SimClock.ts";
