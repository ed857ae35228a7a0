// Owns ended inbox sessions (by their nonce): kept until the cookie would have expired, so a signed-out cookie
// stays refused on every instance.
import type { Db } from './database';

export function signOuts(db: Db) {
  return {
    /** Ends an inbox session for good (its cookie is refused from now on, on every instance). */
    async signOut(nonce: string, expiresAt: string): Promise<void> {
      await db
        .insertInto('inbox_sign_outs')
        .values({ nonce, expires_at: expiresAt })
        .onConflict((oc) => oc.column('nonce').doNothing())
        .execute();
    },

    async isSignedOut(nonce: string): Promise<boolean> {
      const row = await db.selectFrom('inbox_sign_outs').select('nonce').where('nonce', '=', nonce).executeTakeFirst();
      return row !== undefined;
    },
  };
}
