import type {
  FleetDeviceMapping,
  FleetEndUser,
  FleetHost,
  FleetHostDetail,
  FleetHostMdm,
  FleetHostMdmResponse,
  FleetHostSummary,
  FleetMdmSummary,
  MdmEnrollmentStatus,
} from "./FleetApiTypes.ts";
import { type Employee, FleetPopulation, type HostProfile } from "./FleetPopulation.ts";
import { type HostState, isMobilePlatform, type Platform, type ProblemState, statesApplicableTo } from "./HostState.ts";
import { HostTimeline, type Situation } from "./HostTimeline.ts";
import { JsonBuffer } from "./JsonBuffer.ts";
import { hash32, SeededRandom } from "./SeededRandom.ts";
import type { SimClock } from "./SimClock.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Fleet's zero time: what `detail_updated_at` holds until the agent first reports. */
export const FLEET_ZERO_TIME = "0001-01-01T00:00:00Z";
const NEW_HOST_WINDOW = DAY;
const MISSING_AFTER = 30 * DAY;
const ONLINE_BUFFER_SECONDS = 60;
/** osquery's detail queries run hourly. */
const DETAIL_INTERVAL = HOUR;
const MAC_MDM_CHECKIN_INTERVAL = 4 * HOUR;
const MOBILE_MDM_CHECKIN_INTERVAL = 30 * MINUTE;
export const MAX_PER_PAGE = 10_000;

export type HostStatusFilter = "new" | "online" | "offline" | "mia" | "missing";
export type MdmEnrollmentFilter = "manual" | "automatic" | "enrolled" | "pending" | "unenrolled";

export interface HostFilter {
  status?: HostStatusFilter;
  /** Case-insensitive substring of hostname, computer name, serial, uuid, IP or owner e-mail. */
  query?: string;
  mdmEnrollmentStatus?: MdmEnrollmentFilter;
  /** 0 selects hosts in no team, as Fleet does. */
  teamId?: number;
  platform?: string;
}

export interface HostPageRequest {
  page: number;
  perPage: number;
  /** Cursor on id: only hosts after this id in the requested direction. */
  after?: number;
  direction?: "asc" | "desc";
  deviceMapping?: boolean;
}

export interface FleetModelOptions {
  hosts: number;
  seed?: number;
  clock: SimClock;
}

export interface AddHostOptions {
  platform?: Platform;
  state?: HostState;
  /** Give the device to the owner of this e-mail if one exists; otherwise a new employee owns it. */
  ownerEmail?: string;
}

export interface SetStateOptions {
  /** When the situation began; defaults to now. A past date makes it visible at once (stale agent data...). */
  since?: Date;
}

export interface HostSituation {
  state: HostState;
  since: Date;
}

/** Last values seen before a situation froze them. */
interface FrozenSignals {
  seen: number;
  detail: number | null;
  mdmCheckin: number | null;
}

interface HostOverride extends Situation {
  frozen: FrozenSignals;
}

interface HostRecord {
  /** Replaced, never edited, when the host moves to another team (transfer). */
  profile: HostProfile;
  readonly timeline: HostTimeline;
  override: HostOverride | null;
  refetchRequestedAt: number | null;
  refetchedAt: number | null;
  /** Where the list item's unchanging bytes are cached; built once per host. */
  json: StaticJson | null;
}

/**
 * Where a host's unchanging list-item bytes sit in the fragment arena, back to back:
 * head `{"id":…,"created_at":"…","updated_at":"` | middle `,"hostname":…,"team_name":…,"status":"`
 * | mdm object while enrolment is healthy | device_mapping value.
 */
interface StaticJson {
  head: number;
  middle: number;
  mdmOn: number;
  deviceMapping: number;
  end: number;
}

const ascii = (text: string): Buffer => Buffer.from(text, "latin1");
const AFTER_UPDATED = ascii(`","detail_updated_at":"`);
const AFTER_DETAIL = ascii(`","last_enrolled_at":"`);
const AFTER_ENROLLED = ascii(`","seen_time":"`);
const AFTER_SEEN_TRUE = ascii(`","refetch_requested":true`);
const AFTER_SEEN_FALSE = ascii(`","refetch_requested":false`);
const ONLINE_MDM = ascii(`online","mdm":`);
const OFFLINE_MDM = ascii(`offline","mdm":`);
const DEVICE_MAPPING = ascii(`,"device_mapping":`);
const ZERO_TIME = ascii(FLEET_ZERO_TIME);
const COMMA = ascii(",");
const CLOSE = ascii("}");
const PAGE_OPEN = ascii(`{"hosts":[`);
const PAGE_CLOSE = ascii("]}");

/** A host's time-dependent values at one instant: everything a response needs. */
interface HostSnapshot {
  situation: Situation;
  seen: number;
  detail: number | null;
  mdmCheckin: number | null;
  mdmStatus: MdmEnrollmentStatus | null;
  online: boolean;
  refetchRequested: boolean;
}

/**
 * The simulated fleet. Static attributes are generated once from the seed; each host's situation
 * at a virtual instant comes from its own schedule (HostTimeline) unless a test overrode it.
 */
export class FleetModel {
  readonly seed: number;
  private readonly clock: SimClock;
  private readonly population: FleetPopulation;
  /** Live hosts sorted by id: paging is a slice, `after` a binary search. */
  private readonly live: HostRecord[] = [];
  private readonly byId = new Map<number, HostRecord>();
  private readonly purged = new Map<number, HostRecord>();
  private nextId: number;
  private mutations = 0;
  /** One growing buffer for every host's StaticJson: far fewer objects for the GC than a Buffer each. */
  private readonly fragments = new JsonBuffer(1 << 20);

  constructor(options: FleetModelOptions) {
    if (!Number.isInteger(options.hosts) || options.hosts < 0) throw new RangeError("hosts must be a whole number");
    this.seed = (options.seed ?? 1) >>> 0;
    this.clock = options.clock;
    this.population = new FleetPopulation(this.seed, this.clock.startTime.getTime());
    const ids = SeededRandom.of(this.seed, 0x1d5);
    // Ids start above 1 and have gaps, like a Fleet database where hosts were deleted before.
    let id = 5;
    for (let i = 0; i < options.hosts; i++) {
      this.insert(this.record(this.population.initialProfile(id)));
      id += 1 + (ids.chance(0.03) ? ids.int(1, 4) : 0);
    }
    this.nextId = id;
    // Serialise the unchanging parts up front so the first full listing is as fast as the next ones.
    for (const record of this.live) this.staticJson(record);
  }

  now(): number {
    return this.clock.now();
  }

  get size(): number {
    return this.live.length;
  }

  hostIds(): number[] {
    return this.live.map((r) => r.profile.id);
  }

  has(hostId: number): boolean {
    return this.byId.has(hostId);
  }

  isPurged(hostId: number): boolean {
    return this.purged.has(hostId);
  }

  profile(hostId: number): HostProfile | undefined {
    return this.byId.get(hostId)?.profile;
  }

  /** The list item for a host, as `GET /hosts` would serve it now. */
  get(hostId: number, options: { deviceMapping?: boolean } = {}): FleetHost | undefined {
    const record = this.byId.get(hostId);
    if (!record) return undefined;
    const t = this.now();
    return this.parseItem(record, this.snapshot(record, t), options.deviceMapping ?? false);
  }

  detail(hostId: number): FleetHostDetail | undefined {
    const record = this.byId.get(hostId);
    if (!record) return undefined;
    const t = this.now();
    const snap = this.snapshot(record, t);
    const item = this.parseItem(record, snap, false);
    return {
      ...item,
      last_mdm_enrolled_at:
        record.profile.mdm && snap.situation.lastMdmEnrolledAt !== null ? iso(snap.situation.lastMdmEnrolledAt) : null,
      last_mdm_checked_in_at: snap.mdmCheckin === null ? null : iso(snap.mdmCheckin),
      end_users: endUsers(record.profile),
      device_mapping: deviceMapping(record.profile.owner) ?? [],
    };
  }

  mdmInfo(hostId: number): FleetHostMdmResponse | undefined {
    const record = this.byId.get(hostId);
    if (!record) return undefined;
    const mdm = this.mdmJson(record.profile, this.snapshot(record, this.now()));
    return {
      enrollment_status: mdm?.enrollment_status ?? null,
      server_url: mdm?.server_url ?? null,
      name: mdm?.name ?? "",
      id: hostId,
    };
  }

  stateOf(hostId: number): HostState | undefined {
    return this.situationOf(hostId)?.state;
  }

  situationOf(hostId: number): HostSituation | undefined {
    const record = this.byId.get(hostId);
    if (!record) return undefined;
    const situation = this.situationAt(record, this.now());
    return { state: situation.state, since: new Date(situation.since) };
  }

  /** Number of live hosts in each situation now. */
  stateCounts(): Record<HostState, number> {
    const counts: Record<HostState, number> = {
      HEALTHY: 0,
      ENROLLMENT_ABANDONED: 0,
      AGENT_STOPPED: 0,
      PROFILE_REMOVED: 0,
      OFFLINE: 0,
    };
    const t = this.now();
    for (const record of this.live) counts[this.situationAt(record, t).state] += 1;
    return counts;
  }

  list(filter: HostFilter, request: HostPageRequest): FleetHost[] {
    return (JSON.parse(this.listBody(filter, request).toString("utf8")) as { hosts: FleetHost[] }).hosts;
  }

  /**
   * The `GET /hosts` response body, assembled from cached byte fragments: serving 100,000 hosts
   * page by page has to cost the server only a fraction of a second.
   */
  listBody(filter: HostFilter, request: HostPageRequest): Buffer {
    const t = this.now();
    const perPage = Math.min(Math.max(1, Math.floor(request.perPage)), MAX_PER_PAGE);
    const direction = request.direction ?? "asc";
    const step = direction === "asc" ? 1 : -1;
    let index: number;
    if (request.after === undefined) index = direction === "asc" ? 0 : this.live.length - 1;
    else if (direction === "asc") index = this.firstIndexAbove(request.after);
    else index = this.firstIndexAbove(request.after - 1) - 1;
    const deviceMapping = request.deviceMapping ?? false;
    let toSkip = request.page * perPage;
    const filtering = hasFilter(filter);
    if (!filtering) {
      index += step * toSkip;
      toSkip = 0;
    }
    const out = new JsonBuffer(Math.min(perPage, this.live.length + 1) * 1100 + 64);
    out.bytes(PAGE_OPEN);
    let served = 0;
    for (; index >= 0 && index < this.live.length && served < perPage; index += step) {
      const record = this.live[index];
      if (!record) break;
      const snap = this.snapshot(record, t);
      if (filtering && !this.matches(record, snap, filter, t)) continue;
      if (toSkip > 0) {
        toSkip -= 1;
        continue;
      }
      if (served > 0) out.bytes(COMMA);
      this.writeItem(out, record, snap, deviceMapping);
      served += 1;
    }
    out.bytes(PAGE_CLOSE);
    return out.toBuffer();
  }

  count(filter: HostFilter): number {
    if (!hasFilter(filter)) return this.live.length;
    const t = this.now();
    let n = 0;
    for (const record of this.live) if (this.matches(record, this.snapshot(record, t), filter, t)) n += 1;
    return n;
  }

  hostSummary(filter: { teamId?: number; platform?: string } = {}): FleetHostSummary {
    const t = this.now();
    const summary: FleetHostSummary = {
      totals_hosts_count: 0,
      online_count: 0,
      offline_count: 0,
      mia_count: 0,
      missing_30_days_count: 0,
      new_count: 0,
      all_linux_count: 0,
      platforms: [],
    };
    if (filter.teamId !== undefined) summary.team_id = filter.teamId;
    const platforms = new Map<string, number>();
    for (const record of this.live) {
      const p = record.profile;
      if (!matchesTeam(p, filter.teamId) || (filter.platform && p.platform !== filter.platform)) continue;
      const snap = this.snapshot(record, t);
      summary.totals_hosts_count += 1;
      if (snap.online) summary.online_count += 1;
      else summary.offline_count += 1;
      if (snap.seen < t - MISSING_AFTER) {
        summary.mia_count += 1;
        summary.missing_30_days_count += 1;
      }
      if (p.createdAt >= t - NEW_HOST_WINDOW) summary.new_count += 1;
      if (p.platform === "ubuntu" || p.platform === "rhel") summary.all_linux_count += 1;
      platforms.set(p.platform, (platforms.get(p.platform) ?? 0) + 1);
    }
    summary.platforms = [...platforms].map(([platform, hosts_count]) => ({ platform, hosts_count }));
    return summary;
  }

  mdmSummary(filter: { teamId?: number; platform?: string } = {}): FleetMdmSummary {
    const t = this.now();
    const status = {
      enrolled_manual_hosts_count: 0,
      enrolled_automated_hosts_count: 0,
      enrolled_personal_hosts_count: 0,
      pending_hosts_count: 0,
      unenrolled_hosts_count: 0,
      hosts_count: 0,
    };
    const solutions = new Map<string, { id: number; name: string; server_url: string; hosts_count: number }>();
    for (const record of this.live) {
      const p = record.profile;
      if (!p.mdm || !matchesTeam(p, filter.teamId) || (filter.platform && p.platform !== filter.platform)) continue;
      const snap = this.snapshot(record, t);
      status.hosts_count += 1;
      switch (mdmCategory(snap.mdmStatus)) {
        case "manual":
          status.enrolled_manual_hosts_count += 1;
          break;
        case "automatic":
          status.enrolled_automated_hosts_count += 1;
          break;
        case "personal":
          status.enrolled_personal_hosts_count += 1;
          break;
        case "pending":
          status.pending_hosts_count += 1;
          break;
        default:
          status.unenrolled_hosts_count += 1;
      }
      if (snap.mdmStatus?.startsWith("On")) {
        const key = p.mdm.serverUrl;
        const solution = solutions.get(key) ?? {
          id: solutions.size + 1,
          name: p.mdm.name,
          server_url: p.mdm.serverUrl,
          hosts_count: 0,
        };
        solution.hosts_count += 1;
        solutions.set(key, solution);
      }
    }
    return {
      counts_updated_at: iso(t),
      mobile_device_management_enrollment_status: status,
      mobile_device_management_solution: [...solutions.values()],
    };
  }

  // ---- control: what the REST API does ------------------------------------------------------

  /** DELETE /hosts/:id: the host disappears until it re-enrols. */
  purge(hostId: number): boolean {
    const record = this.byId.get(hostId);
    if (!record) return false;
    this.byId.delete(hostId);
    this.live.splice(this.indexOf(hostId), 1);
    this.purged.set(hostId, record);
    return true;
  }

  removeHost(hostId: number): boolean {
    return this.purge(hostId);
  }

  /**
   * The device enrols again. A live host keeps its id and gets a fresh `last_enrolled_at`; a purged
   * host comes back as a new host row with a new id (Fleet deleted the old row), same uuid and serial.
   * Returns the host's id after re-enrolment.
   */
  reenroll(hostId: number): number {
    const t = secondsFloor(this.now());
    const live = this.byId.get(hostId);
    if (live) {
      const before = this.snapshot(live, t);
      live.override = {
        state: "HEALTHY",
        since: t,
        variant: 0,
        lastEnrolledAt: t,
        lastMdmEnrolledAt: live.profile.mdm ? t : null,
        frozen: { seen: before.seen, detail: before.detail, mdmCheckin: before.mdmCheckin },
      };
      return hostId;
    }
    const gone = this.purged.get(hostId);
    if (!gone) throw new Error(`host ${hostId} was never in this fleet`);
    this.purged.delete(hostId);
    const id = this.nextId++;
    this.insert(this.record(this.population.newProfile(id, secondsFloor(t), { like: gone.profile })));
    return id;
  }

  /**
   * DELETE /hosts/:id/mdm: the device leaves MDM (PROFILE_REMOVED). False when the host has no MDM
   * at all; a host whose MDM is already not on (Off, Pending) stays as it is.
   */
  turnOffMdm(hostId: number): boolean {
    const record = this.byId.get(hostId);
    if (!record?.profile.mdm) return false;
    const status = this.snapshot(record, this.now()).mdmStatus;
    if (status?.startsWith("On")) this.setState(hostId, "PROFILE_REMOVED");
    return true;
  }

  /** POST /hosts/:id/refetch: fresh agent data now if the agent runs, else when it next reports. */
  refetch(hostId: number): boolean {
    const record = this.byId.get(hostId);
    if (!record) return false;
    const t = this.now();
    record.refetchRequestedAt = t;
    if (agentRunning(record.profile, this.situationAt(record, t))) record.refetchedAt = t;
    return true;
  }

  /**
   * POST /hosts/transfer: the host moves to the team (null: no team), as an admin does in Fleet;
   * nothing else about it changes. Returns false for an unknown host.
   */
  transfer(hostId: number, team: { id: number; name: string } | null): boolean {
    const record = this.byId.get(hostId);
    if (!record) return false;
    record.profile = { ...record.profile, teamId: team?.id ?? null, teamName: team?.name ?? null };
    // The cached list bytes hold the team: built again, from the new profile, when next served.
    record.json = null;
    return true;
  }

  // ---- control: test and benchmark levers ---------------------------------------------------

  /** Puts a host into a situation from `since` (default now) on, overriding its schedule for good. */
  setState(hostId: number, state: HostState, options: SetStateOptions = {}): void {
    const record = this.byId.get(hostId);
    if (!record) throw new Error(`host ${hostId} is not in the fleet`);
    const p = record.profile;
    if (!statesApplicableTo(p.platform, p.mdm !== null).includes(state)) {
      throw new Error(`${state} does not apply to host ${hostId} (${p.platform}${p.mdm ? "" : ", no MDM"})`);
    }
    const now = this.now();
    const since = secondsFloor(options.since?.getTime() ?? now);
    if (since > now) throw new Error("setState() cannot start in the future");
    const previous = this.situationAt(record, since);
    const before = this.snapshot(record, since);
    let { lastEnrolledAt, lastMdmEnrolledAt } = previous;
    if (state === "ENROLLMENT_ABANDONED") {
      lastEnrolledAt = since;
      lastMdmEnrolledAt = null;
    } else if (
      state === "HEALTHY" &&
      p.mdm &&
      (previous.state === "ENROLLMENT_ABANDONED" || previous.state === "PROFILE_REMOVED")
    ) {
      lastMdmEnrolledAt = since;
    }
    record.override = {
      state,
      since,
      variant: hash32(this.seed, hostId, since),
      lastEnrolledAt,
      lastMdmEnrolledAt,
      frozen: { seen: before.seen, detail: before.detail, mdmCheckin: before.mdmCheckin },
    };
  }

  fix(hostId: number): void {
    this.setState(hostId, "HEALTHY");
  }

  addHost(options: AddHostOptions = {}): number {
    const id = this.nextId++;
    const t = secondsFloor(this.now());
    const owner = options.ownerEmail ? this.findOwner(options.ownerEmail) : undefined;
    const profile = this.population.newProfile(id, t, {
      ...(options.platform ? { platform: options.platform } : {}),
      ...(owner ? { owner } : {}),
    });
    this.insert(this.record(profile));
    if (options.state && options.state !== "HEALTHY") this.setState(id, options.state);
    return id;
  }

  /**
   * Gives `count` healthy hosts (lowest ids first, among those the state applies to) the problem
   * `state`, back-dated so it shows at once. Returns their ids; fewer when the fleet has fewer.
   */
  breakHealthy(count: number, state: ProblemState): number[] {
    const t = this.now();
    const broken: number[] = [];
    for (const record of this.live) {
      if (broken.length >= count) break;
      const p = record.profile;
      if (!statesApplicableTo(p.platform, p.mdm !== null).includes(state)) continue;
      if (this.situationAt(record, t).state !== "HEALTHY") continue;
      this.setState(p.id, state, { since: new Date(t - MUTATION_BACKDATE[state]) });
      broken.push(p.id);
    }
    return broken;
  }

  /**
   * Changes the situation of round(fraction × hosts) hosts, chosen deterministically: healthy ones get
   * a problem (back-dated so it shows at once), the others are fixed. Returns the changed ids.
   */
  mutate(fraction: number): number[] {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError("fraction must be within 0..1");
    const rng = SeededRandom.of(this.seed, 0x3a7e, this.mutations++);
    const n = this.live.length;
    const k = Math.round(fraction * n);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const chosen: HostRecord[] = [];
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      const picked = order[j] ?? i;
      order[j] = order[i] ?? j;
      order[i] = picked;
      const record = this.live[picked];
      if (record) chosen.push(record);
    }
    const t = this.now();
    const changed: number[] = [];
    for (const record of chosen) {
      const id = record.profile.id;
      if (this.situationAt(record, t).state !== "HEALTHY") {
        this.fix(id);
      } else {
        const options = statesApplicableTo(record.profile.platform, record.profile.mdm !== null).filter(
          (s): s is ProblemState => s !== "HEALTHY",
        );
        const state = rng.pick(options);
        this.setState(id, state, { since: new Date(t - MUTATION_BACKDATE[state]) });
      }
      changed.push(id);
    }
    return changed.sort((a, b) => a - b);
  }

  /**
   * For the changeDuringPaging fault: a host appears with an id below `afterId` (reusing a gap in the
   * ids, if any) and the host `skipAhead` positions past `afterId` is purged. Returns what changed.
   */
  shuffleDuringPaging(afterId: number, skipAhead: number): { insertedId: number | null; deletedId: number | null } {
    const insertedId = this.unusedIdBelow(afterId);
    if (insertedId !== null) {
      this.insert(this.record(this.population.newProfile(insertedId, secondsFloor(this.now()))));
    }
    const victim = this.live[this.firstIndexAbove(afterId) + skipAhead];
    let deletedId: number | null = null;
    if (victim) {
      deletedId = victim.profile.id;
      this.purge(deletedId);
    }
    return { insertedId, deletedId };
  }

  // ---- internals ------------------------------------------------------------------------------

  private record(profile: HostProfile): HostRecord {
    return {
      profile,
      timeline: new HostTimeline(profile),
      override: null,
      refetchRequestedAt: null,
      refetchedAt: null,
      json: null,
    };
  }

  private insert(record: HostRecord): void {
    const index = this.firstIndexAbove(record.profile.id);
    this.live.splice(index, 0, record);
    this.byId.set(record.profile.id, record);
  }

  /** Index of the first live host whose id is greater than `id`. */
  private firstIndexAbove(id: number): number {
    let lo = 0;
    let hi = this.live.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.live[mid]?.profile.id ?? Number.POSITIVE_INFINITY) <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(id: number): number {
    return this.firstIndexAbove(id) - 1;
  }

  /** The lowest id below `limit` that no host, live or purged, has ever had; null if none. */
  private unusedIdBelow(limit: number): number | null {
    let candidate = 1;
    for (const record of this.live) {
      const id = record.profile.id;
      for (; candidate < id && candidate < limit; candidate++) {
        if (!this.purged.has(candidate)) return candidate;
      }
      if (candidate >= limit) return null;
      candidate = id + 1;
    }
    return null;
  }

  private findOwner(email: string): Employee | undefined {
    const wanted = email.toLowerCase();
    for (const record of this.live) if (record.profile.owner?.email === wanted) return record.profile.owner;
    return undefined;
  }

  private situationAt(record: HostRecord, t: number): Situation {
    const override = record.override;
    if (override && t >= override.since) return override;
    return record.timeline.situationAt(t);
  }

  private snapshot(record: HostRecord, t: number): HostSnapshot {
    const p = record.profile;
    const situation = this.situationAt(record, t);
    const live = liveSignals(p, t, situation.since, record.refetchedAt);
    let seen = live.seen;
    let detail: number | null = live.detail;
    let mdmCheckin = live.mdmCheckin;
    const mobile = isMobilePlatform(p.platform);
    switch (situation.state) {
      case "HEALTHY":
        break;
      case "ENROLLMENT_ABANDONED": {
        detail = null;
        mdmCheckin = null;
        // Most users walk away mid-enrolment; some leave orbit running without osquery ever reporting.
        const stayedConnected = !mobile && situation.variant % 10 >= 7;
        if (!stayedConnected) seen = Math.min(t, Math.max(situation.since, situation.lastEnrolledAt) + 90_000);
        break;
      }
      case "AGENT_STOPPED": {
        const f = frozenSignals(record, situation);
        // osqueryd stopped or broken: orbit (seen_time) and MDM keep checking in, agent data goes stale.
        detail = f.detail;
        break;
      }
      case "PROFILE_REMOVED": {
        const f = frozenSignals(record, situation);
        mdmCheckin = f.mdmCheckin;
        if (mobile) {
          seen = f.seen;
          detail = f.detail;
        }
        break;
      }
      case "OFFLINE": {
        const f = frozenSignals(record, situation);
        seen = f.seen;
        detail = f.detail;
        mdmCheckin = f.mdmCheckin;
        break;
      }
    }
    const online = seen + (Math.min(p.distributedInterval, p.configTlsRefresh) + ONLINE_BUFFER_SECONDS) * 1000 >= t;
    const requested = record.refetchRequestedAt;
    const refetchRequested =
      requested !== null && !(agentRunning(p, situation) && detail !== null && detail >= requested);
    return { situation, seen, detail, mdmCheckin, mdmStatus: mdmStatusOf(p, situation), online, refetchRequested };
  }

  private matches(record: HostRecord, snap: HostSnapshot, filter: HostFilter, t: number): boolean {
    const p = record.profile;
    if (!matchesTeam(p, filter.teamId)) return false;
    if (filter.platform && p.platform !== filter.platform) return false;
    if (filter.query && !p.searchText.includes(filter.query.toLowerCase())) return false;
    switch (filter.status) {
      case undefined:
        break;
      case "new":
        if (p.createdAt < t - NEW_HOST_WINDOW) return false;
        break;
      case "online":
        if (!snap.online) return false;
        break;
      case "offline":
        if (snap.online) return false;
        break;
      case "mia":
      case "missing":
        if (snap.seen >= t - MISSING_AFTER) return false;
        break;
    }
    if (filter.mdmEnrollmentStatus) {
      if (!p.mdm) return false;
      const category = mdmCategory(snap.mdmStatus);
      switch (filter.mdmEnrollmentStatus) {
        case "manual":
          return category === "manual" || category === "personal";
        case "automatic":
          return category === "automatic";
        case "enrolled":
          return category === "manual" || category === "personal" || category === "automatic";
        case "pending":
          return category === "pending";
        case "unenrolled":
          return category === "off";
      }
    }
    return true;
  }

  private parseItem(record: HostRecord, snap: HostSnapshot, withDeviceMapping: boolean): FleetHost {
    const out = new JsonBuffer(2048);
    this.writeItem(out, record, snap, withDeviceMapping);
    return JSON.parse(out.toBuffer().toString("utf8")) as FleetHost;
  }

  /** One list item; keys in Fleet's order (and the FleetHost type's). */
  private writeItem(out: JsonBuffer, record: HostRecord, snap: HostSnapshot, withDeviceMapping: boolean): void {
    const p = record.profile;
    const fixed = record.json ?? this.staticJson(record);
    const arena = this.fragments;
    const detail = snap.detail;
    out
      .slice(arena, fixed.head, fixed.middle)
      .time(Math.max(detail ?? 0, snap.situation.lastEnrolledAt, p.createdAt))
      .bytes(AFTER_UPDATED);
    if (detail === null) out.bytes(ZERO_TIME);
    else out.time(detail);
    out
      .bytes(AFTER_DETAIL)
      .time(snap.situation.lastEnrolledAt)
      .bytes(AFTER_ENROLLED)
      .time(snap.seen)
      .bytes(snap.refetchRequested ? AFTER_SEEN_TRUE : AFTER_SEEN_FALSE)
      .slice(arena, fixed.middle, fixed.mdmOn)
      .bytes(snap.online ? ONLINE_MDM : OFFLINE_MDM);
    if (snap.mdmStatus === (p.mdm?.enrolledStatus ?? null)) out.slice(arena, fixed.mdmOn, fixed.deviceMapping);
    else out.utf8(JSON.stringify(this.mdmJson(p, snap)));
    if (withDeviceMapping) out.bytes(DEVICE_MAPPING).slice(arena, fixed.deviceMapping, fixed.end);
    out.bytes(CLOSE);
  }

  private staticJson(record: HostRecord): StaticJson {
    const p = record.profile;
    const middle: Pick<
      FleetHost,
      | "hostname"
      | "computer_name"
      | "display_name"
      | "uuid"
      | "hardware_serial"
      | "platform"
      | "os_version"
      | "osquery_version"
      | "orbit_version"
      | "distributed_interval"
      | "config_tls_refresh"
      | "primary_ip"
      | "team_id"
      | "team_name"
    > = {
      hostname: p.hostname,
      computer_name: p.computerName,
      display_name: p.computerName || p.hostname,
      uuid: p.uuid,
      hardware_serial: p.hardwareSerial,
      platform: p.platform,
      os_version: p.osVersion,
      osquery_version: p.osqueryVersion,
      orbit_version: p.orbitVersion,
      distributed_interval: p.distributedInterval,
      config_tls_refresh: p.configTlsRefresh,
      primary_ip: p.primaryIp,
      team_id: p.teamId,
      team_name: p.teamName,
    };
    const arena = this.fragments;
    const headText = `{"id":${p.id},"created_at":"${iso(p.createdAt)}","updated_at":"`;
    const middleText = `,${JSON.stringify(middle).slice(1, -1)},"status":"`;
    const mdmText = p.mdm ? JSON.stringify(this.mdmJsonFor(p, p.mdm.enrolledStatus, 0)) : "null";
    const mappingText = JSON.stringify(deviceMapping(p.owner));
    // One write per host; only the names in the middle part can be non-ASCII.
    const head = arena.length;
    const middleAt = head + headText.length;
    const mdmOn = middleAt + Buffer.byteLength(middleText);
    const dm = mdmOn + Buffer.byteLength(mdmText);
    arena.utf8(headText + middleText + mdmText + mappingText);
    const json: StaticJson = { head, middle: middleAt, mdmOn, deviceMapping: dm, end: arena.length };
    record.json = json;
    return json;
  }

  private mdmJson(p: HostProfile, snap: HostSnapshot): FleetHostMdm | null {
    return this.mdmJsonFor(p, snap.mdmStatus, snap.situation.variant);
  }

  private mdmJsonFor(p: HostProfile, status: MdmEnrollmentStatus | null, variant: number): FleetHostMdm | null {
    const mdm = p.mdm;
    if (!mdm) return null;
    const on = status?.startsWith("On") ?? false;
    return {
      encryption_key_available: on && mdm.encryptionKeyAvailable,
      enrollment_status: status,
      // A few devices assigned in Apple Business Manager fail to get their enrolment profile.
      dep_profile_error: status === "Pending" && variant % 13 === 0,
      name: on || status === "Pending" ? mdm.name : "",
      server_url: on ? mdm.serverUrl : null,
      connected_to_fleet: on && mdm.name === "Fleet",
    };
  }
}

const MUTATION_BACKDATE: Record<ProblemState, number> = {
  ENROLLMENT_ABANDONED: DAY,
  AGENT_STOPPED: 2 * DAY,
  PROFILE_REMOVED: HOUR,
  OFFLINE: 10 * DAY,
};

function hasFilter(filter: HostFilter): boolean {
  return (
    filter.status !== undefined ||
    Boolean(filter.query) ||
    filter.mdmEnrollmentStatus !== undefined ||
    filter.teamId !== undefined ||
    Boolean(filter.platform)
  );
}

function matchesTeam(p: HostProfile, teamId: number | undefined): boolean {
  if (teamId === undefined) return true;
  return teamId === 0 ? p.teamId === null : p.teamId === teamId;
}

function mdmCategory(status: MdmEnrollmentStatus | null): "manual" | "automatic" | "personal" | "pending" | "off" {
  switch (status) {
    case "On (manual)":
      return "manual";
    case "On (automatic)":
    case "On (company-owned)":
      return "automatic";
    case "On (personal)":
    case "On (manual - personal)":
      return "personal";
    case "Pending":
      return "pending";
    default:
      return "off";
  }
}

function mdmStatusOf(p: HostProfile, situation: Situation): MdmEnrollmentStatus | null {
  const mdm = p.mdm;
  if (!mdm) return null;
  switch (situation.state) {
    case "ENROLLMENT_ABANDONED": {
      const apple = p.platform === "darwin" || isMobilePlatform(p.platform);
      return apple && mdm.automatedEnrollment ? "Pending" : "Off";
    }
    case "PROFILE_REMOVED":
      return "Off";
    default:
      return mdm.enrolledStatus;
  }
}

function agentRunning(p: HostProfile, situation: Situation): boolean {
  if (situation.state === "HEALTHY") return true;
  return situation.state === "PROFILE_REMOVED" && !isMobilePlatform(p.platform);
}

/** The values a situation froze when it began (agent data of a stopped agent, an offline host...). */
function frozenSignals(record: HostRecord, situation: Situation): FrozenSignals {
  if (record.override && situation === record.override) return record.override.frozen;
  // Scheduled episodes always start from a healthy host.
  return liveSignals(record.profile, situation.since, Number.NEGATIVE_INFINITY, null);
}

/** The latest instant ≤ t on a per-host cadence. */
function tick(t: number, interval: number, phase: number): number {
  return t - ((t + (phase % interval)) % interval);
}

/** What a healthy host that has been in contact since `since` reports at t. */
function liveSignals(p: HostProfile, t: number, since: number, refetchedAt: number | null): FrozenSignals {
  const seed = p.timelineSeed;
  const mobile = isMobilePlatform(p.platform);
  const mdmTick = p.mdm
    ? Math.max(tick(t, mobile ? MOBILE_MDM_CHECKIN_INTERVAL : MAC_MDM_CHECKIN_INTERVAL, seed >>> 3), since)
    : null;
  const seen =
    mobile && mdmTick !== null ? mdmTick : Math.max(tick(t, p.distributedInterval * 1000, seed >>> 5), since);
  const detail = Math.max(tick(t, DETAIL_INTERVAL, seed >>> 7), since, refetchedAt ?? 0);
  return {
    seen: Math.min(seen, t),
    detail: Math.min(detail, t),
    mdmCheckin: mdmTick === null ? null : Math.min(mdmTick, t),
  };
}

function deviceMapping(owner: Employee | null): FleetDeviceMapping[] | null {
  return owner ? [{ email: owner.email, source: owner.source }] : null;
}

function endUsers(p: HostProfile): FleetEndUser[] {
  const owner = p.owner;
  if (!owner) return [];
  if (owner.source === "mdm_idp_accounts") {
    return [
      {
        idp_id: `00u${(hash32(p.timelineSeed, 0x1d9) % 1e9).toString(36)}`,
        idp_username: owner.email,
        idp_full_name: owner.fullName,
        idp_groups: owner.idpGroups,
        idp_info_updated_at: iso(
          p.enrollmentCompletedAt === Number.POSITIVE_INFINITY ? p.createdAt : p.enrollmentCompletedAt,
        ),
        other_emails: [],
      },
    ];
  }
  return [
    {
      idp_id: "",
      idp_username: "",
      idp_full_name: "",
      idp_groups: [],
      idp_info_updated_at: null,
      other_emails: [{ email: owner.email, source: owner.source }],
    },
  ];
}

function secondsFloor(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** RFC 3339 in UTC, whole seconds, as Fleet (Go) prints it. */
export function iso(ms: number): string {
  return `${new Date(secondsFloor(ms)).toISOString().slice(0, 19)}Z`;
}
