// Owns how a simulated call or message reads on a terminal: one line per request, verb and callback.
import type { SmsResult } from './inboundSms';
import type { CallResult, Step } from './voiceCall';

const COLUMN = 38;

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    const path = decodeURIComponent(u.pathname + u.search);
    return path.length > 60 ? `${path.slice(0, 59)}…` : path;
  } catch {
    return url;
  }
}

/** Pads to the second column, keeping at least one space when the left part is longer. */
function toColumn(left: string): string {
  return left.length >= COLUMN ? `${left} ` : left.padEnd(COLUMN);
}

function withResult(left: string, right: string | undefined): string {
  return right ? `${toColumn(left)}← ${right}` : left;
}

function stepLines(step: Step, indent: string): string[] {
  switch (step.type) {
    case 'request':
      return [
        `${toColumn(`${indent}→ ${step.method} ${pathOf(step.url)}`)}${[
          step.status ?? '---',
          step.contentType,
          `${step.ms} ms`,
        ]
          .filter(Boolean)
          .join(' ')}`,
      ];
    case 'verb':
      return [
        withResult(`${indent}  ${step.verb.padEnd(9)}${step.detail}`.trimEnd(), step.result),
        ...(step.nested ?? []).flatMap((s) => stepLines(s, `${indent}  `)),
      ];
    case 'callback':
      return [
        `${toColumn(`${indent}  ⇢ ${step.kind}`)}${step.status ?? '---'} ${pathOf(step.url)}${step.error ? `  ✗ ${step.error}` : ''}`,
      ];
    case 'error':
      return [`${indent}✗ ${step.code ? `${step.code} ` : ''}${step.message}`];
  }
}

export function callTranscript(result: CallResult): string {
  const plural = result.requests === 1 ? 'request' : 'requests';
  return [
    ...result.steps.flatMap((s) => stepLines(s, '')),
    `call ${result.status} in ${result.requests} ${plural}, ${result.durationSeconds} s (${result.callSid})`,
  ].join('\n');
}

export function smsTranscript(result: SmsResult): string {
  const replies = result.replies.length === 1 ? '1 reply' : `${result.replies.length} replies`;
  return [
    ...result.steps.flatMap((s) => stepLines(s, '')),
    `message ${result.error ? 'failed' : 'handled'}: ${replies}`,
  ].join('\n');
}
