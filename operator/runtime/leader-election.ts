import type { Logger } from 'pino';
import { sleepUnlessAborted } from './backoff';
import { decideLease, releasedLease, type LeaseSpec } from './lease';
import type { RuntimeMetrics } from './metrics';
import { AlreadyExistsError, ConflictError, type KubeClient, type KubeObject, type ObjectRef } from './types';

export interface LeaderElectionConfig {
  /** Lease name and namespace (one Lease per operator deployment). */
  name: string;
  namespace: string;
  /** This replica's identity (pod name); must differ between replicas. */
  identity: string;
  leaseDurationSeconds?: number; // 15
  /** A leader that could not renew for this long steps down (before the Lease expires for others). */
  renewDeadlineMs?: number; // 10 000
  retryPeriodMs?: number; // 2 000
}

export interface LeaderCallbacks {
  /** Leadership began; `signal` aborts when it ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Leadership ended (lost or released); awaited before the Lease is released or re-contested. */
  onStoppedLeading(): void | Promise<void>;
}

type LeaseObject = KubeObject & { spec?: LeaseSpec };

/**
 * Lease-based leader election in the manner of client-go's leaderelection package: standbys poll every
 * retryPeriod (jittered), the leader renews every retryPeriod and steps down if renewals fail for
 * renewDeadline; writes are resourceVersion-checked so two candidates can never both win one round.
 */
export class LeaderElector {
  private leading = false;
  private leadAbort?: AbortController;
  private readonly stopAbort = new AbortController();
  private loop?: Promise<void>;
  private lastRenewMs = 0;
  private lastAttemptOk = true;
  private lastAttemptMs = 0;
  private observed?: { key: string; atMs: number };
  private observedHolder?: string;
  private readonly ref: ObjectRef;
  private readonly durationS: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly config: LeaderElectionConfig,
    private readonly callbacks: LeaderCallbacks,
    private readonly logger: Logger,
    private readonly metrics?: RuntimeMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: config.namespace, name: config.name };
    this.durationS = config.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.durationS * 1000) {
      throw new Error(`leaderElection.renewDeadlineMs (${this.renewDeadlineMs}) must be less than leaseDurationSeconds × 1000 (${this.durationS * 1000}) so a leader steps down before others may take over`);
    }
  }

  start(): void {
    this.loop ??= this.run();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease (ourselves when leading). */
  leader(): string | undefined {
    return this.leading ? this.config.identity : this.observedHolder;
  }

  /** Healthy while the last attempt to reach the Lease succeeded or failed less than a lease duration ago. */
  healthy(): boolean {
    return this.lastAttemptOk || this.now() - this.lastAttemptMs < this.durationS * 1000;
  }

  /** Stops contesting; a leader stops leading (callbacks awaited) and releases the Lease. */
  async stop(): Promise<void> {
    this.stopAbort.abort();
    await this.loop;
    if (this.leading) {
      await this.stepDown('shutdown');
      await this.release();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopAbort.signal.aborted) {
      const won = await this.tryAcquireOrRenew();
      if (this.stopAbort.signal.aborted) break;
      const now = this.now();
      if (won) {
        this.lastRenewMs = now;
        if (!this.leading) this.becomeLeader();
      } else if (this.leading && (this.observedHolder !== this.config.identity || now - this.lastRenewMs >= this.renewDeadlineMs)) {
        await this.stepDown(this.observedHolder !== this.config.identity ? `lease taken by ${this.observedHolder}` : 'renew deadline passed');
      }
      // Standbys jitter their polls (client-go's JitterUntil, factor 1.2) so they do not race in lockstep.
      const wait = this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + 0.2 * Math.random());
      await this.sleep(wait);
    }
  }

  private becomeLeader(): void {
    this.leading = true;
    this.leadAbort = new AbortController();
    this.metrics?.leader.set(1);
    this.logger.info({ lease: `${this.config.namespace}/${this.config.name}`, identity: this.config.identity }, 'became leader');
    Promise.resolve()
      .then(() => this.callbacks.onStartedLeading(this.leadAbort!.signal))
      .catch((err) => this.logger.error({ err }, 'onStartedLeading failed'));
  }

  private async stepDown(reason: string): Promise<void> {
    this.leading = false;
    this.leadAbort?.abort();
    this.metrics?.leader.set(0);
    this.logger.warn({ lease: `${this.config.namespace}/${this.config.name}`, identity: this.config.identity, reason }, 'stopped leading');
    try {
      await this.callbacks.onStoppedLeading();
    } catch (err) {
      this.logger.error({ err }, 'onStoppedLeading failed');
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    this.lastAttemptMs = this.now();
    try {
      const lease = await this.client.get<LeaseObject>(this.ref);
      const spec = lease?.spec;
      const now = this.now();
      // Expiry runs from when this replica first saw the current record, immune to other replicas' clocks.
      const recordKey = `${spec?.holderIdentity ?? ''}|${spec?.renewTime ?? ''}`;
      if (this.observed?.key !== recordKey) this.observed = { key: recordKey, atMs: now };
      this.observedHolder = spec?.holderIdentity || undefined;
      const decision = decideLease(spec, now, this.config.identity, this.durationS, lease ? this.observed.atMs : undefined);
      this.lastAttemptOk = true;
      if (decision.action === 'wait') return false;
      if (decision.action === 'create') {
        await this.client.create<LeaseObject>({ apiVersion: this.ref.apiVersion, kind: 'Lease', metadata: { name: this.ref.name, namespace: this.ref.namespace }, spec: decision.spec });
      } else {
        const written = await this.client.replace<LeaseObject>({ ...lease!, spec: decision.spec });
        this.observed = { key: `${written.spec?.holderIdentity ?? ''}|${written.spec?.renewTime ?? ''}`, atMs: now };
      }
      this.observedHolder = this.config.identity;
      return true;
    } catch (err) {
      // Losing a create/replace race is the normal outcome for a standby: someone else wrote first.
      if (err instanceof ConflictError || err instanceof AlreadyExistsError) return false;
      this.lastAttemptOk = false;
      this.logger.warn({ err, lease: `${this.config.namespace}/${this.config.name}` }, 'could not read or write the leader Lease');
      return false;
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<LeaseObject>(this.ref);
      if (!lease?.spec || lease.spec.holderIdentity !== this.config.identity) return;
      await this.client.replace<LeaseObject>({ ...lease, spec: releasedLease(lease.spec, this.now()) });
      this.logger.info({ lease: `${this.config.namespace}/${this.config.name}` }, 'released the leader Lease');
    } catch (err) {
      // The Lease then simply expires after leaseDurationSeconds.
      this.logger.warn({ err }, 'could not release the leader Lease');
    }
  }

  private sleep(ms: number): Promise<void> {
    return sleepUnlessAborted(ms, this.stopAbort.signal);
  }

}
