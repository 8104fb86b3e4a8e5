/// <reference lib="dom" />
/**
 * A modal `<dialog>` that opens when it mounts: titled by its heading, closed by Escape (the dialog's
 * `cancel` event) or by its owner unmounting it, and giving the focus back to where it was. The
 * element marked `data-autofocus` gets the focus on opening (React's `autoFocus` would run before the
 * dialog is shown, when nothing in it can take the focus).
 *
 * @module
 */
import { type ReactNode, useId, useLayoutEffect, useRef } from "react";

/** Props of {@linkcode Modal}. */
export interface ModalProps {
  title: string;
  /** Escape pressed: the owner decides (usually it unmounts the modal). */
  onClose: () => void;
  children: ReactNode;
}

/** The modal dialog. */
export function Modal({ title, onClose, children }: ModalProps) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  useLayoutEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      dialog.close();
      if (before?.isConnected) before.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="calcom-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h4 id={`${id}-title`}>{title}</h4>
      {children}
    </dialog>
  );
}
