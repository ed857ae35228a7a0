// Owns TwiML documents that passed the egress policy once, when they were built: documents that depend only
// on config (the greeting, the menu, voicemail, apologies) are checked at start and then sent as bytes, so the
// hot path pays nothing for them. A VettedTwiml can only be made by checking it.
import type { EgressPolicy, Refusal } from './egress';

export class EgressRefusedError extends Error {
  constructor(
    readonly where: string,
    readonly refusal: Refusal,
  ) {
    super(`${where}: ${refusal.element} breaks the egress policy: ${refusal.reason}`);
    this.name = 'EgressRefusedError';
  }
}

export class VettedTwiml {
  private constructor(readonly bytes: Buffer) {}

  /** The document as bytes once the policy allows it; throws EgressRefusedError naming the element if not. */
  static check(policy: EgressPolicy, xml: string, ownOrigin: string, where: string): VettedTwiml {
    const refusal = policy.check(xml, ownOrigin);
    if (refusal) throw new EgressRefusedError(where, refusal);
    return new VettedTwiml(Buffer.from(xml, 'utf8'));
  }
}
