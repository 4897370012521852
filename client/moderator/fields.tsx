/**
 * Form fields for the properties and TTS forms. While a field has focus it shows what the
 * moderator typed, not the scene's value: the panel re-renders on every broadcast, and a
 * half-typed "-" or "1." must not be replaced under the cursor.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

interface InputProps {
  label: string;
  value: string | number | undefined;
  onValue(value: string): void;
  type?: 'text' | 'number' | 'password';
  min?: number;
  max?: number;
  step?: number;
  multiline?: boolean;
  maxLength?: number;
  name?: string;
  list?: string;
  placeholder?: string;
}

export function InputField({ label, value, onValue, multiline, ...rest }: InputProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (value === undefined ? '' : String(value));
  const common = {
    value: shown,
    onFocus: () => setDraft(shown),
    onBlur: () => setDraft(null),
    onInput: (e: Event) => {
      const next = (e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value;
      setDraft(next);
      onValue(next);
    },
  };
  return (
    <label class={`field${multiline ? ' wide' : ''}`}>
      <span>{label}</span>
      {multiline ? <textarea rows={3} name={rest.name} maxLength={rest.maxLength} {...common} /> : <input {...rest} {...common} />}
    </label>
  );
}

/** A number field that reports only finite numbers, clamped to its bounds. */
export function NumberField(props: Omit<InputProps, 'onValue' | 'type'> & { onNumber(value: number): void }) {
  const { onNumber, ...rest } = props;
  return (
    <InputField
      {...rest}
      type="number"
      onValue={(text) => {
        const n = Number(text);
        if (text.trim() === '' || !Number.isFinite(n)) return;
        onNumber(Math.min(props.max ?? Infinity, Math.max(props.min ?? -Infinity, n)));
      }}
    />
  );
}

export function CheckField({ label, checked, onChange, name }: { label: string; checked: boolean; onChange(value: boolean): void; name?: string }) {
  return (
    <label class="field check">
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span>{label}</span>
    </label>
  );
}

export function SelectField<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: [T, string][]; onChange(value: T): void }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as T)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Any CSS colour as text, plus a picker for the common #rrggbb case. An empty value (no
 * background, no outline colour) reads as `noneLabel` and the picker shows a crossed swatch.
 */
export function ColorField({ label, value, onText, onPick, noneLabel }: { label: string; value: string | undefined; onText(value: string): void; onPick(value: string): void; noneLabel?: string }) {
  const hex = /^#[0-9a-f]{6}$/i.test(value ?? '') ? value! : '#000000';
  const none = !value;
  return (
    <div class={`field color${none && noneLabel ? ' is-none' : ''}`}>
      <InputField label={label} value={value} onValue={onText} placeholder={noneLabel} />
      <input type="color" aria-label={label} value={hex} onChange={(e) => onPick(e.currentTarget.value)} />
      {noneLabel && !none && (
        <button type="button" class="icon small" title={noneLabel} aria-label={noneLabel} data-action="colour-none" onClick={() => onPick('')}>
          ∅
        </button>
      )}
    </div>
  );
}

/** A range slider with a number field beside it, for values that are felt rather than typed. */
export function SliderField({ label, name, value, min, max, step = 1, onNumber }: { label: string; name?: string; value: number; min: number; max: number; step?: number; onNumber(value: number): void }) {
  const clamp = (n: number) => Math.min(max, Math.max(min, n));
  return (
    <label class="field slider">
      <span>{label}</span>
      <span class="slider-row">
        <input type="range" min={min} max={max} step={step} value={value} aria-label={label} onInput={(e) => onNumber(clamp(Number(e.currentTarget.value)))} />
        <NumberField label="" name={name} value={value} min={min} max={max} step={step} onNumber={onNumber} />
      </span>
    </label>
  );
}

export function Row({ children }: { children: ComponentChildren }) {
  return <div class="row">{children}</div>;
}
