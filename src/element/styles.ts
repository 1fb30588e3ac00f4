/**
 * The element's shadow styles: an intrinsic default size on :host (like
 * <canvas>, so a bare tag renders usefully; any CSS size overrides it),
 * xterm's own stylesheet, and the overlays (start button, progress, error),
 * all themable through --web-vm-* custom properties and ::part().
 */
import { css, unsafeCSS } from 'lit';
import { xtermCss } from './xterm-css.js';

export const styles = [
  unsafeCSS(xtermCss),
  css`
    :host {
      display: block;
      position: relative;
      width: 640px;
      height: 360px;
      max-width: 100%;
      box-sizing: border-box;
      overflow: hidden;
      contain: content;
      background: var(--web-vm-background, #1e1e1e);
      color: var(--web-vm-foreground, #d4d4d4);
      font-family: var(--web-vm-ui-font-family, system-ui, sans-serif);
      border-radius: var(--web-vm-border-radius, 4px);
    }
    :host([hidden]) {
      display: none;
    }
    .terminal {
      position: absolute;
      inset: 0;
      padding: var(--web-vm-padding, 4px);
    }
    .terminal .xterm {
      height: 100%;
    }
    /* xterm.css paints the viewport black; the rows the fit leaves over should match the theme. */
    .terminal .xterm .xterm-viewport,
    .terminal .xterm .xterm-scrollable-element {
      background-color: var(--web-vm-background, #1e1e1e) !important;
    }
    .overlay {
      position: absolute;
      inset: 0;
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 0.75em;
      padding: 1em;
      text-align: center;
      background: color-mix(in srgb, var(--web-vm-background, #1e1e1e) 88%, transparent);
    }
    .start {
      font: inherit;
      font-size: 1.1em;
      padding: 0.6em 1.4em;
      border: 0;
      border-radius: 4px;
      cursor: pointer;
      color: var(--web-vm-button-foreground, #fff);
      background: var(--web-vm-button-background, #0e639c);
    }
    .progress {
      width: min(80%, 24em);
      height: 6px;
      border-radius: 3px;
      overflow: hidden;
      background: var(--web-vm-progress-track, #3c3c3c);
    }
    .progress > div {
      height: 100%;
      background: var(--web-vm-progress-color, #0e9c6e);
      transition: width 0.15s linear;
    }
    .progress.indeterminate > div {
      width: 30%;
      animation: slide 1.2s ease-in-out infinite;
    }
    @keyframes slide {
      from { transform: translateX(-100%); }
      to { transform: translateX(330%); }
    }
    .error {
      color: var(--web-vm-error-color, #f48771);
      max-width: 36em;
      overflow-wrap: anywhere;
    }
    .error button {
      font: inherit;
      margin-top: 0.5em;
      padding: 0.3em 1em;
      cursor: pointer;
    }
    .sr-only {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
  `,
];
