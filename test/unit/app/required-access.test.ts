// The sidecar's one list of needed permissions against manifests/rbac.yaml: the same set of
// (scope, group, resource, verb), so neither can gain or lose a verb without the other.
import { describe, expect, test } from '@jest/globals';
import { accessNeeded, REQUIRED_ACCESS, ruleResource } from '../../../src/app/required-access.js';
import { grantLabel, grantsOf, readRbacManifest } from '../../integration/rbac/sidecar-identity.js';

describe('REQUIRED_ACCESS', () => {
  test('equals the rules of manifests/rbac.yaml (ClusterRole for cluster and events scope, Role for the Lease)', () => {
    const ours = REQUIRED_ACCESS.flatMap((a) =>
      a.verbs.map((verb) => `${a.scope === 'lease-namespace' ? 'role' : 'clusterrole'} ${grantLabel({ scope: 'role', apiGroup: a.apiGroup, resource: ruleResource(a), verb })}`),
    ).sort();
    const manifest = grantsOf(readRbacManifest()).map((g) => `${g.scope} ${grantLabel(g)}`).sort();
    expect(ours).toEqual(manifest);
  });

  test('no (resource, verb) is listed twice', () => {
    const keys = REQUIRED_ACCESS.flatMap((a) => a.verbs.map((v) => `${a.apiGroup}/${ruleResource(a)} ${v}`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  const gates = (group: boolean): ReadonlyMap<string, boolean> => new Map([['CSIVolumeGroupSnapshot', group]]);
  test.each([
    ['always', { featureGates: gates(false), nodeDeployment: false, leaderElection: false }, true],
    ['secrets', { featureGates: gates(false), nodeDeployment: false, leaderElection: false }, true],
    ['group-snapshots', { featureGates: gates(true), nodeDeployment: false, leaderElection: false }, true],
    ['group-snapshots', { featureGates: gates(false), nodeDeployment: false, leaderElection: false }, false],
    ['group-snapshots', { featureGates: gates(true), nodeDeployment: true, leaderElection: false }, false],
    ['leader-election', { featureGates: gates(true), nodeDeployment: false, leaderElection: true }, true],
    ['leader-election', { featureGates: gates(true), nodeDeployment: false, leaderElection: false }, false],
  ] as const)('accessNeeded(%s, %j) is %s', (need, options, expected) => {
    expect(accessNeeded(need, options)).toBe(expected);
  });
});
