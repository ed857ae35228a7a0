// Owns serving TwiML that depends only on config and the public origin. With PUBLIC_BASE_URL the origin is
// fixed, so each such document is built and checked by the egress policy once, when the app is created (a
// document that breaks the policy stops the start), and then served from memory; without it the origin comes
// from each request's Host, so the document is built per request and the egress gate checks it as it goes out.
import type { WebhookInput } from './webhookInput';
import type { EgressPolicy } from '../policy/egress';
import { VettedTwiml } from '../policy/vetted';
import { urlBuilder, type UrlFor } from './publicUrl';

export type TwimlFor = (req: WebhookInput) => string | VettedTwiml;

export interface StaticTwimlContext {
  readonly policy: EgressPolicy;
  readonly publicBaseUrl: string | undefined;
}

export function twimlFor(context: StaticTwimlContext, where: string, build: (url: UrlFor) => string): TwimlFor {
  const base = context.publicBaseUrl;
  if (!base) return (req) => build(urlBuilder(req, undefined));
  const vetted = VettedTwiml.check(
    context.policy,
    build((path) => base + path),
    base,
    where,
  );
  return () => vetted;
}
