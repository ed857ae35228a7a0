// Owns composing the egress policy from the validated config: one policy per app, shared by every route.
import type { Config } from '../config';
import { createEgressPolicy, type EgressPolicy } from './egress';
import { createHostList, createNameList } from './patterns';
import { createAllowlist } from './phoneNumbers';

export function egressPolicyFromConfig(config: Config): EgressPolicy {
  const { egress } = config;
  return createEgressPolicy({
    numbers: createAllowlist(config.outbound.allowlist),
    defaultCountry: config.outbound.defaultCountry,
    sipDomains: createHostList(egress.sipDomains),
    urlHosts: createHostList(egress.urlHosts),
    clients: createNameList(egress.clients),
    conferences: createNameList(egress.conferences),
    queues: createNameList(egress.queues),
    sims: createNameList(egress.sims),
    applications: createNameList(egress.applications),
  });
}
