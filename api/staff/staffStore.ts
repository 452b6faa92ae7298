import { z } from 'zod';
import { text } from '../../lib/text';
import type { Db } from '../../db/connection';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';
import { type StaffRole, staffRoleSchema } from './roles';

export const staffEmailSchema = text({ max: 254, maxMessage: 'is too long', required: 'is required' }).toLowerCase().email('must be an email address');
// Passwords keep their exact characters (no trim), but not control characters: no keyboard types them.
const password = (min: number, minMessage: string) => text({ trim: false, min, minMessage, max: PASSWORD_MAX_LENGTH, maxMessage: 'is too long', required: 'is required' });

export const newStaffSchema = z
  .object({
    email: staffEmailSchema,
    name: text({ min: 1, minMessage: 'is required', max: 100, maxMessage: 'is too long', required: 'is required' }),
    role: staffRoleSchema,
    password: password(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`),
  })
  .strict();
export type NewStaff = z.infer<typeof newStaffSchema>;

export const loginRequestSchema = z
  .object({
    email: staffEmailSchema,
    password: password(1, 'is required'),
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
