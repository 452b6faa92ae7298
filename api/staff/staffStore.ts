import { z } from 'zod';
import type { Db } from '../../db/connection';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';
import { type StaffRole, staffRoleSchema } from './roles';

export const staffEmailSchema = z.string({ error: 'is required' }).trim().toLowerCase().max(254, 'is too long').email('must be an email address');

export const newStaffSchema = z
  .object({
    email: staffEmailSchema,
    name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(100, 'is too long'),
    role: staffRoleSchema,
    password: z.string({ error: 'is required' }).min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH, 'is too long'),
  })
  .strict();
export type NewStaff = z.infer<typeof newStaffSchema>;

export const loginRequestSchema = z
  .object({
    email: staffEmailSchema,
    password: z.string({ error: 'is required' }).min(1, 'is required').max(PASSWORD_MAX_LENGTH, 'is too long'),
  })
  .strict();

export interface StaffRow {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

export class StaffExistsError extends Error {}

export async function createStaff(db: Db, input: NewStaff): Promise<Omit<StaffRow, 'password_hash'>> {
  const staff = newStaffSchema.parse(input);
  const passwordHash = await hashPassword(staff.password);
  try {
    const [row] = await db('staff')
      .insert({ email: staff.email, name: staff.name, role: staff.role, password_hash: passwordHash })
      .returning(['id', 'email', 'name', 'role', 'disabled', 'created_at', 'last_login_at']);
    return { ...row, id: Number(row.id) };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new StaffExistsError(`a staff account for ${staff.email} already exists`);
    throw err;
  }
}

export async function staffByEmail(db: Db, email: string): Promise<StaffRow | undefined> {
  const row = await db('staff').whereRaw('lower(email) = ?', [email.trim().toLowerCase()]).first();
  return row ? { ...row, id: Number(row.id) } : undefined;
}

export async function staffById(db: Db, id: number): Promise<StaffRow | undefined> {
  const row = await db('staff').where({ id }).first();
  return row ? { ...row, id: Number(row.id) } : undefined;
}
