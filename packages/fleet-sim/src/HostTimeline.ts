import type { HostProfile } from "./FleetPopulation.ts";
import type { HostState, Platform, ProblemState } from "./HostState.ts";
import { SeededRandom } from "./SeededRandom.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Each host's life is cut into periods of this length (phase-shifted per host); each period holds
 * a few problem episodes drawn from the host's seed, so the situation at any instant is computed
 * from one period without replaying history. Long enough for an OFFLINE episode to pass 30 days.
 */
export const PERIOD_MS = 60 * DAY;
/** The periods' common origin; any fixed instant works. */
const TIMELINE_ORIGIN = Date.UTC(2020, 0, 1);
/** How far back history is replayed to find the latest (re-)enrolment; older history is ignored. */
const MAX_REPLAYED_PERIODS = 24;

export interface Episode {
  readonly state: ProblemState;
  readonly start: number;
  readonly end: number;
  /** Random bits choosing how the episode shows (e.g. agent stopped vs uninstalled). */
  readonly variant: number;
}

/** Facts that persist across situations: when the device last (re-)enrolled. */
export interface EnrollmentFacts {
  lastEnrolledAt: number;
  /** null while MDM has never been (re-)enrolled, or for hosts without MDM. */
  lastMdmEnrolledAt: number | null;
}

export interface Situation extends EnrollmentFacts {
  readonly state: HostState;
  readonly since: number;
  readonly variant: number;
}

interface ReplayMemo {
  period: number;
  facts: EnrollmentFacts;
  healthySince: number;
}

const EPISODE_WEIGHTS: Record<Platform, readonly (readonly [ProblemState, number])[]> = {
  darwin: [
    ["AGENT_STOPPED", 34],
    ["PROFILE_REMOVED", 20],
    ["ENROLLMENT_ABANDONED", 12],
    ["OFFLINE", 34],
  ],
  windows: [
    ["AGENT_STOPPED", 45],
    ["ENROLLMENT_ABANDONED", 12],
    ["OFFLINE", 43],
  ],
  ubuntu: [
    ["AGENT_STOPPED", 45],
    ["ENROLLMENT_ABANDONED", 12],
    ["OFFLINE", 43],
  ],
  rhel: [
    ["AGENT_STOPPED", 50],
    ["OFFLINE", 50],
  ],
  chrome: [["OFFLINE", 100]],
  ios: [
    ["ENROLLMENT_ABANDONED", 25],
    ["OFFLINE", 75],
  ],
  ipados: [
    ["ENROLLMENT_ABANDONED", 25],
    ["OFFLINE", 75],
  ],
};

function episodeDuration(state: ProblemState, rng: SeededRandom): number {
  switch (state) {
    case "AGENT_STOPPED":
      return rng.between(6 * HOUR, 5 * DAY);
    case "PROFILE_REMOVED":
      return rng.between(6 * HOUR, 6 * DAY);
    case "ENROLLMENT_ABANDONED":
      return rng.between(2 * HOUR, 4 * DAY);
    case "OFFLINE":
      // Mostly days (travel, leave); sometimes long enough for Fleet to call the host missing.
      return rng.chance(0.7) ? rng.between(2 * DAY, 10 * DAY) : rng.between(10 * DAY, 45 * DAY);
  }
}

/** The host's schedule of problem episodes, derived from its seed. Pure apart from a memo. */
export class HostTimeline {
  private readonly phase: number;
  private cachedPeriod = Number.NaN;
  private cachedEpisodes: readonly Episode[] = [];
  private memo: ReplayMemo | null = null;
  private cachedSituation: { situation: Situation; from: number; until: number } | null = null;

  constructor(private readonly profile: HostProfile) {
    // Scale rather than modulo: the period is longer than 2^32 ms, and phases must cover all of it
    // or the whole fleet's episodes bunch up in step.
    this.phase = Math.floor((profile.timelineSeed / 0x1_0000_0000) * PERIOD_MS);
  }

  periodOf(t: number): number {
    return Math.floor((t - TIMELINE_ORIGIN + this.phase) / PERIOD_MS);
  }

  private periodStart(k: number): number {
    return TIMELINE_ORIGIN - this.phase + k * PERIOD_MS;
  }

  /** Non-overlapping episodes inside period k, in time order, all after enrolment completed. */
  episodes(k: number): readonly Episode[] {
    if (k === this.cachedPeriod) return this.cachedEpisodes;
    const rng = SeededRandom.of(this.profile.timelineSeed, k);
    const roll = rng.next();
    const count = roll < 0.4 ? 0 : roll < 0.8 ? 1 : 2;
    const episodes: Episode[] = [];
    if (count > 0) {
      const weights = EPISODE_WEIGHTS[this.profile.platform];
      const drafts: { state: ProblemState; duration: number; variant: number }[] = [];
      let busy = 0;
      for (let i = 0; i < count; i++) {
        const state = rng.weighted(weights);
        const duration = episodeDuration(state, rng);
        const variant = rng.uint32();
        if (busy + duration > PERIOD_MS * 0.9) break;
        busy += duration;
        drafts.push({ state, duration, variant });
      }
      // Spread the healthy time randomly into the gaps before, between and after the episodes.
      const gaps: number[] = [];
      let gapTotal = 0;
      for (let i = 0; i <= drafts.length; i++) {
        const g = rng.between(0.2, 1);
        gaps.push(g);
        gapTotal += g;
      }
      const free = PERIOD_MS - busy;
      let cursor = this.periodStart(k);
      for (let i = 0; i < drafts.length; i++) {
        const draft = drafts[i];
        if (!draft) continue;
        cursor += ((gaps[i] ?? 0) / gapTotal) * free;
        const start = Math.floor(cursor / 1000) * 1000;
        cursor += draft.duration;
        const end = Math.floor(cursor / 1000) * 1000;
        if (start >= this.profile.enrollmentCompletedAt) {
          episodes.push({ state: draft.state, start, end, variant: draft.variant });
        }
      }
    }
    this.cachedPeriod = k;
    this.cachedEpisodes = episodes;
    return episodes;
  }

  /** The scheduled situation at t (overrides are the model's business). */
  situationAt(t: number): Situation {
    const cached = this.cachedSituation;
    if (cached && t >= cached.from && t < cached.until) return cached.situation;
    const computed = this.computeSituation(t);
    this.cachedSituation = computed;
    return computed.situation;
  }

  /** The situation at t and the interval over which it holds unchanged. */
  private computeSituation(t: number): { situation: Situation; from: number; until: number } {
    const profile = this.profile;
    if (t < profile.enrollmentCompletedAt) {
      return {
        situation: {
          state: "ENROLLMENT_ABANDONED",
          since: profile.createdAt,
          variant: profile.timelineSeed,
          lastEnrolledAt: profile.enrolledAt,
          lastMdmEnrolledAt: null,
        },
        from: Number.NEGATIVE_INFINITY,
        until: profile.enrollmentCompletedAt,
      };
    }
    const k = this.periodOf(t);
    const replay = this.replayUntil(k);
    const facts = { ...replay.facts };
    let healthySince = replay.healthySince;
    let from = Math.max(this.periodStart(k), profile.enrollmentCompletedAt);
    let until = this.periodStart(k + 1);
    for (const episode of this.episodes(k)) {
      if (episode.start > t) {
        until = episode.start;
        break;
      }
      if (t < episode.end) {
        if (episode.state === "ENROLLMENT_ABANDONED") {
          facts.lastEnrolledAt = episode.start;
          facts.lastMdmEnrolledAt = null;
        }
        return {
          situation: { state: episode.state, since: episode.start, variant: episode.variant, ...facts },
          from: episode.start,
          until: episode.end,
        };
      }
      healthySince = this.applyEpisode(episode, facts);
      from = episode.end;
    }
    return { situation: { state: "HEALTHY", since: healthySince, variant: 0, ...facts }, from, until };
  }

  /** Enrolment facts as of the start of period k, replaying earlier periods once and remembering. */
  private replayUntil(k: number): ReplayMemo {
    const profile = this.profile;
    const memo = this.memo;
    if (memo && memo.period === k) return memo;
    const firstPeriod = this.periodOf(profile.enrollmentCompletedAt);
    let state: ReplayMemo;
    if (memo && memo.period < k && memo.period >= firstPeriod && k - memo.period <= MAX_REPLAYED_PERIODS) {
      state = { period: memo.period, facts: { ...memo.facts }, healthySince: memo.healthySince };
    } else {
      state = {
        period: Math.max(firstPeriod, k - MAX_REPLAYED_PERIODS),
        facts: {
          lastEnrolledAt: profile.enrolledAt,
          lastMdmEnrolledAt: profile.mdm ? profile.enrollmentCompletedAt : null,
        },
        healthySince: profile.enrollmentCompletedAt,
      };
    }
    for (let j = state.period; j < k; j++) {
      for (const episode of this.episodes(j)) state.healthySince = this.applyEpisode(episode, state.facts);
    }
    state.period = k;
    this.memo = state;
    return state;
  }

  /** Updates the facts for a finished episode; returns when the host became healthy again. */
  private applyEpisode(episode: Episode, facts: EnrollmentFacts): number {
    const hasMdm = this.profile.mdm !== null;
    if (episode.state === "ENROLLMENT_ABANDONED") {
      facts.lastEnrolledAt = episode.start;
      facts.lastMdmEnrolledAt = hasMdm ? episode.end : null;
    } else if (episode.state === "PROFILE_REMOVED" && hasMdm) {
      facts.lastMdmEnrolledAt = episode.end;
    }
    return episode.end;
  }
}
