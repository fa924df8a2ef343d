import type { MdmEnrollmentStatus } from "./FleetApiTypes.ts";
import type { Platform } from "./HostState.ts";
import { hash32, SeededRandom } from "./SeededRandom.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const FLEET_SERVER_URL = "https://fleet.example.com";

export interface Employee {
  email: string;
  fullName: string;
  /** Where Fleet learned the e-mail: IdP through MDM enrolment, Chrome profile, or set by hand. */
  source: "mdm_idp_accounts" | "google_chrome_profiles" | "custom";
  idpGroups: string[];
  devices: number;
}

export interface MdmProfile {
  /** What the device reports while its MDM enrolment is healthy. */
  enrolledStatus: MdmEnrollmentStatus;
  name: string;
  serverUrl: string;
  /** Assigned through Apple Business Manager / Autopilot: shows "Pending" until enrolment finishes. */
  automatedEnrollment: boolean;
  encryptionKeyAvailable: boolean;
}

/** Everything about a host that does not depend on time. Built once, so listing is cheap. */
export interface HostProfile {
  readonly id: number;
  readonly uuid: string;
  readonly hardwareSerial: string;
  readonly hostname: string;
  readonly computerName: string;
  readonly platform: Platform;
  readonly osVersion: string;
  readonly osqueryVersion: string;
  readonly orbitVersion: string | null;
  readonly distributedInterval: number;
  readonly configTlsRefresh: number;
  readonly primaryIp: string;
  readonly teamId: number | null;
  readonly teamName: string | null;
  readonly owner: Employee | null;
  readonly mdm: MdmProfile | null;
  readonly createdAt: number;
  /** First osquery/orbit enrolment, a few seconds after the host row is created. */
  readonly enrolledAt: number;
  /** When the first enrolment completed; Infinity for devices whose enrolment was abandoned for good. */
  readonly enrollmentCompletedAt: number;
  /** Seeds the host's schedule of situations. */
  readonly timelineSeed: number;
  /** Lower-cased hostname, serial, uuid, ip and e-mail, for the `query` filter. */
  readonly searchText: string;
}

const PLATFORM_WEIGHTS: readonly (readonly [Platform, number])[] = [
  ["darwin", 55],
  ["windows", 30],
  ["ubuntu", 4.5],
  ["rhel", 2.5],
  ["chrome", 3],
  ["ios", 4],
  ["ipados", 1],
];

const TEAMS = {
  workstations: [1, "Workstations"],
  engineering: [2, "Engineering"],
  mobile: [3, "Mobile devices"],
  chromebooks: [4, "Chromebooks"],
  servers: [5, "Servers"],
} as const;

const FIRST_NAMES = [
  "Alice",
  "Bob",
  "Carla",
  "David",
  "Emma",
  "Farid",
  "Grace",
  "Hugo",
  "Ines",
  "Jamal",
  "Kenji",
  "Laura",
  "Mateo",
  "Nadia",
  "Oscar",
  "Priya",
  "Quentin",
  "Rosa",
  "Samuel",
  "Tara",
  "Umar",
  "Valentina",
  "William",
  "Xiao",
  "Yasmin",
  "Zoë",
  "Aaron",
  "Beatriz",
  "Chloé",
  "Dmitri",
  "Elena",
  "Felix",
  "Giulia",
  "Hannah",
  "Ivan",
  "Julia",
  "Karim",
  "Lena",
  "Marco",
  "Nora",
  "Olivia",
  "Pablo",
  "Rachel",
  "Sofia",
  "Thomas",
  "Ursula",
  "Victor",
  "Wen",
  "Yusuf",
  "Zara",
  "Amélie",
  "Björn",
  "Camille",
  "Diego",
  "Esther",
  "François",
  "Gabriel",
  "Helena",
  "Isaac",
  "Joaquín",
  "Katarzyna",
  "Liam",
  "Maya",
  "Noah",
  "Océane",
  "Paul",
  "Ruth",
  "Sean",
  "Théo",
  "Uma",
  "Vera",
  "Wojciech",
  "Yara",
  "Anaïs",
  "Bruno",
  "Céline",
  "Daniel",
  "Eva",
  "Fatima",
  "George",
  "Hiroshi",
  "Irene",
  "Jonas",
  "Kofi",
  "Lucía",
  "Miguel",
  "Nina",
  "Omar",
  "Pierre",
  "Sarah",
];

const LAST_NAMES = [
  "Smith",
  "Martin",
  "Garcia",
  "Müller",
  "Rossi",
  "Dubois",
  "Nguyen",
  "Kowalski",
  "Johnson",
  "Silva",
  "Bernard",
  "Tanaka",
  "Petit",
  "Schmidt",
  "Lopez",
  "Moreau",
  "Fischer",
  "Brown",
  "Haddad",
  "Wilson",
  "Laurent",
  "Kim",
  "Fernández",
  "Novak",
  "O'Brien",
  "Taylor",
  "Weber",
  "Dupont",
  "Andersen",
  "Costa",
  "Lefebvre",
  "Yamamoto",
  "Romano",
  "Nowak",
  "Davies",
  "Meyer",
  "Gonzalez",
  "Roux",
  "Chen",
  "Walker",
  "Fontaine",
  "Santos",
  "Wagner",
  "Ivanova",
  "Clarke",
  "Morel",
  "Hoffmann",
  "Patel",
  "Bianchi",
  "Girard",
  "Jensen",
  "Okafor",
  "Mercier",
  "Schneider",
  "Hughes",
  "Ramos",
  "Van Dijk",
  "Leroy",
  "Kaya",
  "Park",
  "Blanc",
  "Evans",
  "Moretti",
  "Lambert",
  "Zimmermann",
  "Singh",
  "Faure",
  "Murphy",
  "Horvat",
  "Ali",
  "André",
  "Cohen",
  "Berg",
  "Da Costa",
  "Nilsson",
  "Thompson",
  "Richter",
  "Suzuki",
  "Marchand",
  "Ortiz",
];

const IDP_GROUPS = ["Engineering", "Sales", "Marketing", "Finance", "Support", "Operations", "HR", "Design"];

const OS_VERSIONS: Record<Platform, readonly (readonly [string, number])[]> = {
  darwin: [
    ["macOS 15.2", 30],
    ["macOS 15.1.1", 15],
    ["macOS 14.7.2", 25],
    ["macOS 14.6.1", 10],
    ["macOS 13.7.2", 12],
    ["macOS 12.7.6", 8],
  ],
  windows: [
    ["Windows 11 Enterprise 23H2 10.0.22631.4602", 35],
    ["Windows 11 Pro 24H2 10.0.26100.2605", 20],
    ["Windows 10 Enterprise 22H2 10.0.19045.5247", 30],
    ["Windows 10 Pro 22H2 10.0.19045.5131", 15],
  ],
  ubuntu: [
    ["Ubuntu 24.04.1 LTS", 45],
    ["Ubuntu 22.04.5 LTS", 45],
    ["Ubuntu 20.04.6 LTS", 10],
  ],
  rhel: [
    ["Red Hat Enterprise Linux 9.5.0", 50],
    ["Red Hat Enterprise Linux 8.10.0", 50],
  ],
  chrome: [
    ["Chrome OS 131.0.6778.191", 60],
    ["Chrome OS 130.0.6723.126", 40],
  ],
  ios: [
    ["iOS 18.2", 50],
    ["iOS 18.1.1", 25],
    ["iOS 17.7.2", 25],
  ],
  ipados: [
    ["iPadOS 18.2", 60],
    ["iPadOS 17.7.2", 40],
  ],
};

const OSQUERY_VERSIONS: readonly (readonly [string, number])[] = [
  ["5.15.0", 40],
  ["5.14.1", 35],
  ["5.13.1", 20],
  ["5.11.0", 5],
];
const ORBIT_VERSIONS: readonly (readonly [string, number])[] = [
  ["1.38.1", 45],
  ["1.37.0", 35],
  ["1.35.0", 20],
];

const SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const HEX = "0123456789ABCDEF";

/** Builds host profiles and the employees who own them, deterministically from a seed. */
export class FleetPopulation {
  private readonly emailCounts = new Map<string, number>();
  private employeeCount = 0;
  private previousOwner: Employee | null = null;

  constructor(
    private readonly seed: number,
    /** Creation dates of the initial fleet are spread before this instant. */
    private readonly anchor: number,
  ) {}

  /** One of the hosts present when the simulation starts: created up to ~3 years before the anchor. */
  initialProfile(id: number): HostProfile {
    const rng = SeededRandom.of(this.seed, id, 0xc4ea7e);
    const age = this.initialAge(rng);
    const createdAt = Math.floor((this.anchor - age) / 1000) * 1000;
    const recent = age < 14 * DAY;
    let completionDelay: number;
    if (recent && rng.chance(0.05)) completionDelay = Number.POSITIVE_INFINITY;
    else if (recent && rng.chance(0.2)) completionDelay = rng.between(HOUR, 10 * DAY);
    else if (!recent && rng.chance(0.006)) completionDelay = Number.POSITIVE_INFINITY;
    else completionDelay = rng.between(MINUTE, 15 * MINUTE);
    return this.build(id, rng, createdAt, rng.int(2, 30) * 1000, completionDelay, undefined, undefined);
  }

  /** A host enrolling now (addHost), or an existing device re-enrolling after a purge. */
  newProfile(
    id: number,
    createdAt: number,
    options: { platform?: Platform; owner?: Employee | null; like?: HostProfile } = {},
  ): HostProfile {
    const rng = SeededRandom.of(this.seed, id, 0x9e11);
    if (options.like) return this.reenrolledCopy(options.like, id, createdAt);
    return this.build(id, rng, createdAt, 0, 0, options.platform, options.owner);
  }

  private reenrolledCopy(like: HostProfile, id: number, createdAt: number): HostProfile {
    return {
      ...like,
      id,
      createdAt,
      enrolledAt: createdAt,
      enrollmentCompletedAt: createdAt,
      timelineSeed: hash32(this.seed, id, 0x7133),
    };
  }

  private initialAge(rng: SeededRandom): number {
    const roll = rng.next();
    if (roll < 0.012) return rng.between(0, DAY);
    if (roll < 0.045) return rng.between(DAY, 14 * DAY);
    if (roll < 0.25) return rng.between(14 * DAY, 180 * DAY);
    return rng.between(180 * DAY, 1000 * DAY);
  }

  private build(
    id: number,
    rng: SeededRandom,
    createdAt: number,
    enrolmentDelay: number,
    completionDelay: number,
    platformChoice: Platform | undefined,
    ownerChoice: Employee | null | undefined,
  ): HostProfile {
    const platform = platformChoice ?? rng.weighted(PLATFORM_WEIGHTS);
    const isServer = (platform === "rhel" && rng.chance(0.7)) || (platform === "ubuntu" && rng.chance(0.25));
    const owner = ownerChoice !== undefined ? ownerChoice : isServer ? null : this.assignOwner(rng, platform);
    const naming = this.naming(rng, platform, owner, id);
    const mdm = this.mdmProfile(rng, platform);
    const agent = platform !== "ios" && platform !== "ipados";
    const team = this.team(rng, platform, isServer);
    const uuid = this.uuid(rng, platform);
    const primaryIp =
      platform === "ios" || platform === "ipados" ? "" : `10.${rng.int(0, 63)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    const hardwareSerial = this.serial(rng, platform, isServer);
    const enrolledAt = createdAt + enrolmentDelay;
    const enrollmentCompletedAt = Number.isFinite(completionDelay)
      ? Math.floor((enrolledAt + completionDelay) / 1000) * 1000
      : Number.POSITIVE_INFINITY;
    const searchText = [naming.hostname, naming.computerName, hardwareSerial, uuid, primaryIp, owner?.email ?? ""]
      .join("\n")
      .toLowerCase();
    return {
      id,
      uuid,
      hardwareSerial,
      hostname: naming.hostname,
      computerName: naming.computerName,
      platform,
      osVersion: rng.weighted(OS_VERSIONS[platform]),
      osqueryVersion: platform === "chrome" ? "1.3.3" : agent ? rng.weighted(OSQUERY_VERSIONS) : "",
      orbitVersion: platform === "chrome" || !agent ? null : rng.weighted(ORBIT_VERSIONS),
      // Mobile devices talk to Fleet over MDM only; their check-ins are far sparser than osquery's.
      distributedInterval: agent
        ? rng.weighted([
            [10, 80],
            [30, 15],
            [60, 5],
          ] as const)
        : 3600,
      configTlsRefresh: agent
        ? rng.weighted([
            [60, 85],
            [10, 15],
          ] as const)
        : 3600,
      primaryIp,
      teamId: team?.[0] ?? null,
      teamName: team?.[1] ?? null,
      owner,
      mdm,
      createdAt,
      enrolledAt,
      enrollmentCompletedAt,
      timelineSeed: hash32(this.seed, id, 0x7133),
      searchText,
    };
  }

  private assignOwner(rng: SeededRandom, platform: Platform): Employee {
    const previous = this.previousOwner;
    const shareChance = platform === "ios" || platform === "ipados" ? 0.6 : 0.1;
    if (previous && previous.devices === 1 && rng.chance(shareChance)) {
      previous.devices += 1;
      return previous;
    }
    const owner = this.newEmployee(platform);
    this.previousOwner = owner;
    return owner;
  }

  /** A new employee; e-mails stay unique across the whole fleet (john.smith, john.smith2, ...). */
  newEmployee(platform: Platform = "darwin"): Employee {
    const index = this.employeeCount++;
    const rng = SeededRandom.of(this.seed, index, 0xe3910);
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const base = `${asciiSlug(first)}.${asciiSlug(last)}`;
    const seen = (this.emailCounts.get(base) ?? 0) + 1;
    this.emailCounts.set(base, seen);
    const email = `${seen === 1 ? base : `${base}${seen}`}@example.com`;
    const source = platform === "chrome" ? "google_chrome_profiles" : rng.chance(0.8) ? "mdm_idp_accounts" : "custom";
    return { email, fullName: `${first} ${last}`, source, idpGroups: [rng.pick(IDP_GROUPS)], devices: 1 };
  }

  private naming(
    rng: SeededRandom,
    platform: Platform,
    owner: Employee | null,
    id: number,
  ): { hostname: string; computerName: string } {
    const first = owner?.fullName.split(" ")[0] ?? "Shared";
    const firstAscii = asciiSlug(first).replace(/^./, (c) => c.toUpperCase());
    switch (platform) {
      case "darwin": {
        const model = rng.weighted([
          ["MacBook Pro", 60],
          ["MacBook Air", 35],
          ["Mac mini", 3],
          ["iMac", 2],
        ] as const);
        // macOS derives the hostname from the computer name, so duplicates are common.
        const suffix = rng.chance(0.15) ? `-${rng.int(2, 9)}` : "";
        return {
          computerName: `${first}'s ${model}`,
          hostname: `${firstAscii}s-${model.replace(/ /g, "-")}${suffix}.local`,
        };
      }
      case "windows": {
        const name = rng.chance(0.6)
          ? `${rng.pick(["DESKTOP", "LAPTOP"])}-${rng.chars(SERIAL_ALPHABET, 7)}`
          : `ACME-W${String(id).padStart(6, "0")}`;
        return { computerName: name, hostname: name };
      }
      case "ubuntu":
      case "rhel": {
        if (!owner) {
          const name = `${rng.pick(["build", "db", "web", "ci-runner", "batch"])}-${rng.int(1, 99)}.corp.example.com`;
          return { computerName: name, hostname: name };
        }
        const name = `${asciiSlug(first)}-${rng.pick(["thinkpad", "xps", "framework", "workstation"])}`;
        return { computerName: name, hostname: name };
      }
      case "chrome": {
        const name = `chromebook-${rng.chars("abcdefghijklmnopqrstuvwxyz0123456789", 8)}`;
        return { computerName: name, hostname: name };
      }
      case "ios":
      case "ipados": {
        // iOS names devices with a typographic apostrophe.
        const name = `${first}’s ${platform === "ios" ? "iPhone" : "iPad"}`;
        return { computerName: name, hostname: name };
      }
    }
  }

  private mdmProfile(rng: SeededRandom, platform: Platform): MdmProfile | null {
    const fleetApple = { name: "Fleet", serverUrl: `${FLEET_SERVER_URL}/mdm/apple/mdm` };
    switch (platform) {
      case "darwin": {
        const status = rng.weighted<MdmEnrollmentStatus>([
          ["On (automatic)", 52],
          ["On (manual)", 37],
          ["On (company-owned)", 5],
          ["On (manual - personal)", 3],
        ]);
        const vendor =
          status === "On (manual)" && rng.chance(0.1)
            ? { name: "Jamf", serverUrl: "https://acme.jamfcloud.com/mdm/ServerURL" }
            : fleetApple;
        return {
          enrolledStatus: status,
          ...vendor,
          automatedEnrollment: status === "On (automatic)" || status === "On (company-owned)",
          encryptionKeyAvailable: rng.chance(0.9),
        };
      }
      case "windows": {
        if (rng.chance(0.22)) return null;
        const status = rng.weighted<MdmEnrollmentStatus>([
          ["On (manual)", 55],
          ["On (automatic)", 45],
        ]);
        const vendor = rng.chance(0.15)
          ? { name: "Microsoft Intune", serverUrl: "https://r.manage.microsoft.com/devicegatewayproxy/cimhandler.ashx" }
          : { name: "Fleet", serverUrl: `${FLEET_SERVER_URL}/api/mdm/microsoft/management` };
        return {
          enrolledStatus: status,
          ...vendor,
          automatedEnrollment: status === "On (automatic)",
          encryptionKeyAvailable: rng.chance(0.7),
        };
      }
      case "ios":
      case "ipados": {
        const status = rng.weighted<MdmEnrollmentStatus>(
          platform === "ios"
            ? [
                ["On (automatic)", 55],
                ["On (personal)", 30],
                ["On (company-owned)", 15],
              ]
            : [
                ["On (automatic)", 70],
                ["On (personal)", 30],
              ],
        );
        return {
          enrolledStatus: status,
          ...fleetApple,
          automatedEnrollment: status !== "On (personal)",
          encryptionKeyAvailable: false,
        };
      }
      default:
        return null;
    }
  }

  private team(rng: SeededRandom, platform: Platform, isServer: boolean): readonly [number, string] | null {
    if (rng.chance(0.04)) return null;
    if (isServer) return TEAMS.servers;
    switch (platform) {
      case "ios":
      case "ipados":
        return TEAMS.mobile;
      case "chrome":
        return TEAMS.chromebooks;
      case "ubuntu":
        return TEAMS.engineering;
      default:
        return rng.chance(0.2) ? TEAMS.engineering : TEAMS.workstations;
    }
  }

  private uuid(rng: SeededRandom, platform: Platform): string {
    const hex = rng.chars(HEX, 32);
    const v4 = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89AB"[rng.int(0, 3)]}${hex.slice(17, 20)}-${hex.slice(20)}`;
    // fleetd for ChromeOS generates its own lower-case identifier.
    return platform === "chrome" ? v4.toLowerCase() : v4;
  }

  private serial(rng: SeededRandom, platform: Platform, isServer: boolean): string {
    switch (platform) {
      case "darwin":
        return rng.chance(0.4) ? `C02${rng.chars(SERIAL_ALPHABET, 9)}` : rng.chars(SERIAL_ALPHABET, 10);
      case "ios":
      case "ipados":
        return `${rng.pick(["DN", "F2", "G6", "HX"])}${rng.chars(SERIAL_ALPHABET, 10)}`;
      case "chrome":
        return `5CD${rng.chars(SERIAL_ALPHABET, 7)}`;
      default: {
        // Virtual machines and some white-box PCs report no serial at all.
        if (rng.chance(isServer ? 0.3 : 0.005)) return "";
        return rng.weighted([
          [rng.chars(SERIAL_ALPHABET, 7), 40],
          [`5CG${rng.chars(SERIAL_ALPHABET, 7)}`, 30],
          [`PF${rng.chars(SERIAL_ALPHABET, 6)}`, 30],
        ] as const);
      }
    }
  }
}

function asciiSlug(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ü/g, "u")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}
