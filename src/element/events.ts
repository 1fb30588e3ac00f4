/**
 * The events <web-vm> fires (bubbling, composed: they cross shadow roots),
 * their typed `detail`s, and the global type-map entries that make
 * `el.addEventListener('web-vm-exit', e => e.detail.exitCode)` typed.
 */
import type { ProgressPhase, WebVmErrorType } from '../worker/protocol.js';
import type { WebVm } from './web-vm.js';

export type { WebVmErrorType, ProgressPhase };

export interface WebVmProgressDetail {
  /** 'image' while the disk is opened, 'program' while the first command loads. */
  phase: ProgressPhase;
  /** Bytes fetched so far. */
  loaded: number;
  /** Size of the disk image, when known (the most that can be fetched). */
  total: number | null;
}

export interface WebVmReadyDetail {
  /** Milliseconds from the start (connected, scrolled into view or clicked) to ready. */
  ms: number;
}

export interface WebVmExitDetail {
  /** Shell-style status: the exit code, or 128 + the signal. */
  exitCode: number;
  /** Terminating signal, 0 if the command exited. */
  signal: number;
}

export interface WebVmErrorDetail {
  type: WebVmErrorType;
  message: string;
}

export interface WebVmEventMap {
  'web-vm-progress': CustomEvent<WebVmProgressDetail>;
  'web-vm-ready': CustomEvent<WebVmReadyDetail>;
  'web-vm-exit': CustomEvent<WebVmExitDetail>;
  'web-vm-error': CustomEvent<WebVmErrorDetail>;
}

export function fire<K extends keyof WebVmEventMap>(el: HTMLElement, type: K, detail: WebVmEventMap[K]['detail']): void {
  el.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementTagNameMap {
    'web-vm': WebVm;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface HTMLElementEventMap extends WebVmEventMap {}
}
