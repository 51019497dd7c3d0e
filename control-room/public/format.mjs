/** A value in a signal's unit, as a person reads it. */
export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  switch (unit) {
    case 's':
      return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(2)} s`;
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`;
    case 'bytes':
      return `${(value / 1048576).toFixed(1)} MB`;
    case 'req/s':
      return `${value.toFixed(1)} /s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
}

export function formatTime(date) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Creates an element with attributes and children (strings become text, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== false) node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}
