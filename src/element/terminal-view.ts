/**
 * xterm.js 6 inside the element's shadow root: the WebGL renderer while the
 * element is on screen (browsers cap live WebGL contexts, so off-screen
 * instances give theirs back), the DOM renderer when WebGL is missing or its
 * context is lost; the fit addon driven by a ResizeObserver, debounced,
 * ignoring zero sizes (display: none) and unchanged cell counts.
 */
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebglAddon } from '@xterm/addon-webgl';

export interface TerminalViewOptions {
  /** Read --web-vm-* custom properties from here. */
  host: HTMLElement;
  screenReaderMode: boolean;
  /** Keyboard bytes typed or pasted. */
  onInput(data: string): void;
  /** The terminal's size in cells changed. */
  onResize(rows: number, cols: number): void;
}

function cssVar(host: HTMLElement, name: string, fallback: string): string {
  const v = getComputedStyle(host).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

export class TerminalView {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private webgl: WebglAddon | null = null;
  /** WebGL failed once (missing, or context lost): stay on the DOM renderer. */
  private webglBroken = false;
  private visible = false;
  private resizeObserver: ResizeObserver | null = null;
  private intersection: IntersectionObserver | null = null;
  private fitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: TerminalViewOptions) {
    const h = opts.host;
    const theme: ITheme = {
      background: cssVar(h, '--web-vm-background', '#1e1e1e'),
      foreground: cssVar(h, '--web-vm-foreground', '#d4d4d4'),
      cursor: cssVar(h, '--web-vm-cursor', '#d4d4d4'),
      selectionBackground: cssVar(h, '--web-vm-selection', '#264f78'),
    };
    this.term = new Terminal({
      theme,
      fontFamily: cssVar(h, '--web-vm-font-family', 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace'),
      fontSize: Number.parseFloat(cssVar(h, '--web-vm-font-size', '14')) || 14,
      screenReaderMode: opts.screenReaderMode,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
    });
    this.term.loadAddon(this.fit);
    this.term.onData((d) => opts.onInput(d));
    this.term.onResize(({ rows, cols }) => opts.onResize(rows, cols));
    // Ctrl+Shift+C / Ctrl+Shift+V copy and paste (plain Ctrl+C is the guest's interrupt).
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC' && this.term.hasSelection()) {
        void navigator.clipboard?.writeText(this.term.getSelection());
        return false;
      }
      if (e.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => this.term.paste(t));
        return false;
      }
      return true;
    });
  }

  /** Attach to `container` (in the shadow root) and start following its size and visibility. */
  open(container: HTMLElement): void {
    this.term.open(container);
    this.resizeObserver = new ResizeObserver(() => this.scheduleFit());
    this.resizeObserver.observe(container);
    this.intersection = new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      this.updateRenderer();
    });
    this.intersection.observe(this.opts.host);
    this.fitNow();
  }

  /** Which renderer is drawing: 'webgl' or 'dom'. */
  get renderer(): 'webgl' | 'dom' {
    return this.webgl ? 'webgl' : 'dom';
  }

  private updateRenderer(): void {
    if (this.visible && this.webgl === null && !this.webglBroken) {
      try {
        const addon = new WebglAddon();
        addon.onContextLoss(() => this.dropWebgl(true));
        this.term.loadAddon(addon);
        this.webgl = addon;
      } catch {
        // No WebGL2 (or blocked): the DOM renderer stays.
        this.webglBroken = true;
      }
    } else if (!this.visible && this.webgl !== null) {
      this.dropWebgl(false);
    }
  }

  private dropWebgl(broken: boolean): void {
    if (broken) this.webglBroken = true;
    const w = this.webgl;
    this.webgl = null;
    w?.dispose();
  }

  private scheduleFit(): void {
    if (this.fitTimer !== null) clearTimeout(this.fitTimer);
    this.fitTimer = setTimeout(() => this.fitNow(), 50);
  }

  private fitNow(): void {
    this.fitTimer = null;
    const dims = this.fit.proposeDimensions();
    // Zero-size (hidden) containers propose nothing or nonsense: keep the last size.
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return;
    if (dims.cols === this.term.cols && dims.rows === this.term.rows) return;
    this.term.resize(dims.cols, dims.rows);
  }

  dispose(): void {
    if (this.fitTimer !== null) clearTimeout(this.fitTimer);
    this.resizeObserver?.disconnect();
    this.intersection?.disconnect();
    this.dropWebgl(false);
    this.term.dispose();
  }
}
