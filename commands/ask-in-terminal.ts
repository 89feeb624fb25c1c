// Questions answered line by line, typed on a terminal or piped in. Lines are read through
// readline's async iterator, not rl.question(): question() drops the lines a pipe delivers while
// no question is waiting, so piped answers after the first would be lost.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** The answers stopped coming: the input ended (EOF, Ctrl-D) or the user pressed Ctrl-C. */
export class AnswersEnded extends Error {
  constructor(readonly by: 'eof' | 'ctrl-c') {
    super(by === 'eof' ? 'the input ended' : 'stopped by Ctrl-C');
    this.name = 'AnswersEnded';
  }
}

export interface Questions {
  /** The answer, trimmed; `fallback` (shown in brackets) for an empty one. */
  ask(question: string, fallback?: string): Promise<string>;
  /** An answer kept as typed, not echoed when the input is a terminal. */
  askSecret(question: string): Promise<string>;
  say(line: string): void;
  close(): void;
}

export function askInTerminal(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Questions {
  const terminal = input.isTTY === true;
  let muted = false;
  // On a terminal readline echoes what is typed through this stream; muting it hides a password.
  const echo = new Writable({
    write(chunk, encoding, done) {
      if (!muted) output.write(chunk, encoding);
      done();
    },
  });
  const rl = createInterface({ input, output: echo, terminal });
  const lines = rl[Symbol.asyncIterator]();
  let stop: (reason: AnswersEnded) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  // A terminal in raw mode turns Ctrl-C into this event; a pipe leaves it a signal to the process.
  const onCtrlC = () => stop(new AnswersEnded('ctrl-c'));
  rl.on('SIGINT', onCtrlC);
  process.on('SIGINT', onCtrlC);

  const next = async (question: string, secret: boolean): Promise<string> => {
    rl.setPrompt(question);
    rl.prompt();
    muted = secret && terminal;
    let ended = false;
    try {
      const line = await Promise.race([lines.next(), stopped]);
      if (line.done) throw new AnswersEnded('eof');
      return line.value;
    } catch (error) {
      ended = true;
      throw error;
    } finally {
      // What follows starts on a line of its own: a terminal echoed the Enter, unless it was muted;
      // a pipe echoes nothing.
      if (!terminal || muted || ended) output.write('\n');
      muted = false;
    }
  };

  return {
    async ask(question, fallback) {
      const answer = (await next(fallback ? `${question} [${fallback}]: ` : `${question}: `, false)).trim();
      return answer === '' ? (fallback ?? '') : answer;
    },
    askSecret: (question) => next(`${question}: `, true),
    say(line) {
      output.write(`${line}\n`);
    },
    close() {
      process.off('SIGINT', onCtrlC);
      rl.close();
    },
  };
}
