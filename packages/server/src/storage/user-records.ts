/** The user records the users store reads and writes: their types and row mapping. */
import type { Selectable } from 'kysely';
import type { RemovedRecords } from './owned-records.js';
import type { UsersTable } from './schema.js';

/** `STAGED`: registered, not yet through the enrollment its app requires (cannot sign in). */
export type UserStatus = 'STAGED' | 'ACTIVE' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';

export interface UserProfile {
  login: string;
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  [attribute: string]: string | undefined;
}

export interface User {
  id: string;
  login: string;
  email: string;
  emailVerified: boolean;
  status: UserStatus;
  profile: UserProfile;
  failedAttempts: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number | null;
}

/** What a deleted user had, row counts by kind (credentials and enrollments included). */
export interface DeletedUser extends RemovedRecords {
  credentials: number;
  passwordHistory: number;
  enrollments: number;
  sessions: number;
}

/** An administrator's change of a user's address or profile (`undefined`: unchanged). */
export interface UserChanges {
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  profile?: UserProfile | undefined;
}

export interface NewUser {
  id: string;
  login: string;
  loginKey: string;
  email: string;
  emailVerified: boolean;
  profile: UserProfile;
  createdAt: number;
  /** Default `ACTIVE`; a self-service registration starts `STAGED`. */
  status?: 'ACTIVE' | 'STAGED';
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    login: row.login,
    email: row.email,
    emailVerified: row.email_verified === 1,
    status: row.status as UserStatus,
    profile: JSON.parse(row.profile) as UserProfile,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordChangedAt: row.password_changed_at,
  };
}
