// What a terminal shows once a program has written to it: the lines left on the screen, for the
// escape sequences a progress bar uses (column, clear line, save and restore the cursor, line
// wrapping on and off). Any other sequence is an error, so that a test never reads past one it
// does not understand.
export function screenAfter(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  let saved = { row: 0, column: 0 };
  const put = (text: string) => {
    const line = lines[row].padEnd(column);
    lines[row] = line.slice(0, column) + text + line.slice(column + text.length);
    column += text.length;
  };
  for (let i = 0; i < output.length; ) {
    const sequence = /^\x1b(?:\[(\??)(\d*)([A-Za-z])|([78]))/.exec(output.slice(i, i + 16));
    if (sequence) {
      const [whole, question, number, command, saveOrRestore] = sequence;
      i += whole.length;
      if (saveOrRestore === '7') saved = { row, column };
      else if (saveOrRestore === '8') ({ row, column } = saved);
      else if (question === '?' && number === '7' && (command === 'h' || command === 'l')) continue;
      else if (command === 'G') column = Number(number || '1') - 1;
      else if (command === 'K' && (number === '' || number === '0')) lines[row] = lines[row].slice(0, column);
      else if (command === 'K' && number === '2') lines[row] = '';
      else throw new Error(`an escape sequence the screen does not know: ${JSON.stringify(whole)}`);
      continue;
    }
    const char = output[i++];
    if (char === '\r') column = 0;
    else if (char === '\n') {
      row++;
      lines[row] ??= '';
    } else if (char === '\x1b') throw new Error(`an escape sequence the screen does not know at ${JSON.stringify(output.slice(i - 1, i + 8))}`);
    else put(char);
  }
  while (lines.length > 0 && lines.at(-1)!.trimEnd() === '') lines.pop();
  return lines.map((line) => line.trimEnd());
}
