// --feature-gates: every gate upstream csi-snapshotter v8.6.0's binary accepts, and how a setting
// resolves. Upstream's flag feeds utilfeature.DefaultMutableFeatureGate, where its own two gates
// (pkg/features) sit beside the ones its vendored libraries register at init: k8s.io/apiserver
// (pkg/features), component-base's zpages and metrics features, and featuregate's AllAlpha/AllBeta.
// Specs are those at the binary's emulation version 1.36 (component-base DefaultKubeBinaryVersion).
// Only our two gates change anything here; upstream's sidecar never reads the others either, so
// they are accepted without effect. Resolution follows featuregate.SetFromMap: an unknown name or
// a locked gate set off its default is an error (upstream klog.Fatal, exit 255); AllAlpha/AllBeta
// set every alpha/beta gate that is not given explicitly; GA and deprecated gates warn.

import { FEATURE_GATE_GROUP_SNAPSHOT, FEATURE_GATE_RELEASE_LEADER_ELECTION_ON_EXIT } from './options.js';

export type GateStage = 'ALPHA' | 'BETA' | 'GA' | 'DEPRECATED';

export interface KnownGate {
  readonly name: string;
  readonly default: boolean;
  readonly stage: GateStage;
  /** LockToDefault: any other value is refused. */
  readonly locked: boolean;
  /** Whether the gate changes what this sidecar does (only csi-snapshotter's own gates do). */
  readonly effective: boolean;
}

const ALL_ALPHA = 'AllAlpha';
const ALL_BETA = 'AllBeta';

function gate(name: string, def: boolean, stage: GateStage, locked = false): KnownGate {
  return { name, default: def, stage, locked, effective: false };
}
const LOCKED = true;

/**
 * csi-snapshotter's own gates. CSIVolumeGroupSnapshot defaults to true as in upstream HEAD (commit
 * 01dc5193; v8.6.0: false); a cluster without the group CRDs then runs with group support off.
 */
export const SIDECAR_FEATURE_GATES: readonly KnownGate[] = [
  { name: FEATURE_GATE_GROUP_SNAPSHOT, default: true, stage: 'BETA', locked: false, effective: true },
  { name: FEATURE_GATE_RELEASE_LEADER_ELECTION_ON_EXIT, default: false, stage: 'ALPHA', locked: false, effective: true },
];

/** Registered by upstream's vendored libraries; accepted for drop-in compatibility, no effect. */
const LIBRARY_FEATURE_GATES: readonly KnownGate[] = [
  // component-base featuregate
  gate(ALL_ALPHA, false, 'ALPHA'),
  gate(ALL_BETA, false, 'BETA'),
  // component-base zpages and metrics features
  gate('ComponentFlagz', true, 'BETA'),
  gate('ComponentStatusz', true, 'BETA'),
  gate('NativeHistograms', false, 'ALPHA'),
  // k8s.io/apiserver pkg/features
  gate('APIResponseCompression', true, 'BETA'),
  gate('APIServerIdentity', true, 'BETA'),
  gate('APIServerTracing', true, 'GA', LOCKED),
  gate('APIServingWithRoutine', false, 'ALPHA'),
  gate('AggregatedDiscoveryRemoveBetaType', true, 'DEPRECATED', LOCKED),
  gate('AllowParsingUserUIDFromCertAuth', true, 'BETA'),
  gate('AllowUnsafeMalformedObjectDeletion', false, 'ALPHA'),
  gate('AnonymousAuthConfigurableEndpoints', true, 'GA', LOCKED),
  gate('AuthorizeWithSelectors', true, 'GA', LOCKED),
  gate('BtreeWatchCache', true, 'GA', LOCKED),
  gate('CBORServingAndStorage', false, 'ALPHA'),
  gate('ConcurrentWatchObjectDecode', false, 'BETA'),
  gate('ConsistentListFromCache', true, 'GA', LOCKED),
  gate('ConstrainedImpersonation', true, 'BETA'),
  gate('CoordinatedLeaderElection', false, 'BETA'),
  gate('DeclarativeValidation', true, 'GA', LOCKED),
  gate('DeclarativeValidationBeta', true, 'BETA'),
  gate('DeclarativeValidationTakeover', false, 'DEPRECATED'),
  gate('DetectCacheInconsistency', true, 'BETA'),
  gate('KMSv1', false, 'DEPRECATED'),
  gate('ListFromCacheSnapshot', true, 'BETA'),
  gate('ManifestBasedAdmissionControlConfig', false, 'ALPHA'),
  gate('MutatingAdmissionPolicy', true, 'GA'),
  gate('OpenAPIEnums', true, 'BETA'),
  gate('RemoteRequestHeaderUID', true, 'BETA'),
  gate('ResilientWatchCacheInitialization', true, 'GA', LOCKED),
  gate('RetryGenerateName', true, 'GA', LOCKED),
  gate('SeparateCacheWatchRPC', false, 'DEPRECATED', LOCKED),
  gate('ShardedListAndWatch', false, 'ALPHA'),
  gate('SizeBasedListCostEstimate', true, 'BETA'),
  gate('StorageVersionAPI', false, 'ALPHA'),
  gate('StorageVersionHash', true, 'BETA'),
  gate('StreamingCollectionEncodingToJSON', true, 'GA', LOCKED),
  gate('StreamingCollectionEncodingToProtobuf', true, 'GA', LOCKED),
  gate('StructuredAuthenticationConfiguration', true, 'GA', LOCKED),
  gate('StructuredAuthenticationConfigurationEgressSelector', true, 'BETA'),
  gate('StructuredAuthenticationConfigurationJWKSMetrics', true, 'BETA'),
  gate('TokenRequestServiceAccountUIDValidation', true, 'BETA'),
  gate('UnauthenticatedHTTP2DOSMitigation', true, 'BETA'),
  gate('UnknownVersionInteroperabilityProxy', true, 'BETA'),
  gate('WatchCacheInitializationPostStartHook', true, 'BETA'),
  gate('WatchList', true, 'BETA'),
];

export const FEATURE_GATES: readonly KnownGate[] = [...SIDECAR_FEATURE_GATES, ...LIBRARY_FEATURE_GATES];

const BY_NAME: ReadonlyMap<string, KnownGate> = new Map(FEATURE_GATES.map((g) => [g.name, g]));

/** featuregate.KnownFeatures: alpha and beta gates (GA and deprecated ones are not listed), sorted. */
export function knownFeatureLines(): readonly string[] {
  return FEATURE_GATES.filter((g) => g.stage === 'ALPHA' || g.stage === 'BETA')
    .map((g) => `${g.name}=true|false (${g.stage} - default=${String(g.default)})`)
    .sort();
}

export type GateResolution =
  | {
      readonly kind: 'ok';
      /** The value of each gate that has an effect (SIDECAR_FEATURE_GATES), in that order. */
      readonly enabled: ReadonlyMap<string, boolean>;
      /** Gates whose value came from the flag (by name, AllAlpha or AllBeta), not from the default. */
      readonly explicit: ReadonlySet<string>;
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'error'; readonly errors: readonly string[] };

/** featuregate.SetFromMap over `settings` (flag order; the last value of a name wins). */
export function resolveFeatureGates(settings: ReadonlyMap<string, boolean>): GateResolution {
  for (const name of settings.keys()) {
    // Go returns at the first unknown name.
    if (!BY_NAME.has(name)) return { kind: 'error', errors: [`unrecognized feature gate: ${name}`] };
  }
  const errors: string[] = [];
  const warnings: string[] = [];
  const set = new Map<string, boolean>();
  for (const [name, value] of settings) {
    const g = BY_NAME.get(name);
    if (g === undefined) continue;
    if (g.locked && g.default !== value) {
      errors.push(`cannot set feature gate ${name} to ${String(value)}, feature is locked to ${String(g.default)}`);
      continue;
    }
    set.set(name, value);
    if (g.stage === 'DEPRECATED' || g.stage === 'GA') {
      const what = g.stage === 'GA' ? 'GA' : 'deprecated';
      warnings.push(`setting ${what} feature gate ${name}=${String(value)}; it will be removed in a future release`);
    }
  }
  if (errors.length > 0) return { kind: 'error', errors };

  const enabled = new Map<string, boolean>();
  const explicit = new Set<string>();
  const allAlpha = set.get(ALL_ALPHA);
  const allBeta = set.get(ALL_BETA);
  for (const g of SIDECAR_FEATURE_GATES) {
    let value = set.get(g.name);
    if (value === undefined) {
      if (g.stage === 'ALPHA') value = allAlpha;
      if (g.stage === 'BETA') value = allBeta;
    }
    if (value !== undefined) explicit.add(g.name);
    enabled.set(g.name, value ?? g.default);
  }
  return { kind: 'ok', enabled, explicit, warnings };
}
