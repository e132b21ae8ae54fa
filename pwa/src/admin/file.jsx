// FileField is the administration screens' file picker: the browser's own button says "Choose File" in the
// browser's language, so the input is hidden (still focusable, and what tests and screen readers use) and its
// label shows a button in the app's words with the chosen file's name.
import { t } from '../i18n.js';

export function FileField({ id, label, accept, file, onChange, inputRef }) {
  return (
    <>
      <label for={id} class="filepick">
        {label}
        <span class="filepick-row">
          <span class="btn small" aria-hidden="true">{t('ad_choose_file')}</span>
          <span class="muted">{file ? file.name : t('ad_no_file')}</span>
        </span>
      </label>
      <input id={id} ref={inputRef} type="file" class="sr" accept={accept} onChange={onChange} />
    </>
  );
}
