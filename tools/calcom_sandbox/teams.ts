/**
 * Teams and organisations, shaped like Cal.com's `Team` and `Membership` rows, and the part of a
 * booking's listing scope they add (contract: "Scope of a key", from Cal.com's
 * `packages/trpc/server/routers/viewer/bookings/get.handler.ts`): an OWNER or ADMIN of a team or
 * organisation lists the bookings every member organises, the bookings a member attends (by email),
 * and the bookings of the team's event types. A MEMBER gains nothing.
 *
 * @module
 */

/** A team, or an organisation (`isOrganization`), whose members are plain memberships too. */
export interface TeamRecord {
  id: number;
  name: string;
  slug: string;
  isOrganization: boolean;
}

/** A membership role, as Cal.com's `MembershipRole`. */
export type MembershipRole = "OWNER" | "ADMIN" | "MEMBER";

/** A user's membership of a team. */
export interface MembershipRecord {
  teamId: number;
  userId: number;
  role: MembershipRole;
}

const isAdmin = (m: MembershipRecord) => m.role === "OWNER" || m.role === "ADMIN";

/** The teams of a store and who administers whom. */
export class Teams {
  readonly teams = new Map<number, TeamRecord>();
  readonly #memberships: MembershipRecord[] = [];

  /** Whether any team has an owner or admin: without one no booking has a team viewer. */
  get hasAdmins(): boolean {
    return this.#memberships.some(isAdmin);
  }

  /** Adds or changes a membership; returns the team's admins afterwards (whose scope changed). */
  setMembership(membership: MembershipRecord): number[] {
    if (!this.teams.has(membership.teamId)) throw new Error(`Unknown sandbox team ${membership.teamId}`);
    const existing = this.#memberships.find((m) =>
      m.teamId === membership.teamId && m.userId === membership.userId
    );
    if (existing) existing.role = membership.role;
    else this.#memberships.push({ ...membership });
    return this.adminsOfTeam(membership.teamId);
  }

  /** Whether `userId` belongs to `teamId` (any role). */
  isMember(teamId: number, userId: number): boolean {
    return this.#memberships.some((m) => m.teamId === teamId && m.userId === userId);
  }

  /** The owners and admins of `teamId`. */
  adminsOfTeam(teamId: number): number[] {
    return this.#memberships.filter((m) => m.teamId === teamId && isAdmin(m)).map((m) => m.userId);
  }

  /** The owners and admins of every team `userId` belongs to. */
  adminsOfMember(userId: number): number[] {
    const teamIds = new Set(this.#memberships.filter((m) => m.userId === userId).map((m) => m.teamId));
    return this.#memberships.filter((m) => teamIds.has(m.teamId) && isAdmin(m)).map((m) => m.userId);
  }
}
