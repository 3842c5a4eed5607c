// The kiosk's keyboard, for the operator at the wall: → or N next page, ← or P
// previous, space or K pause and resume. Keys press the strip's own buttons, so the
// keyboard and a mouse do exactly the same thing.
document.addEventListener('keydown', function (event) {
    if (!document.getElementById('kiosk')) { return; }
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
        return;
    }
    const keys = {
        ArrowRight: 'kiosk-next', PageDown: 'kiosk-next', n: 'kiosk-next',
        ArrowLeft: 'kiosk-prev', PageUp: 'kiosk-prev', p: 'kiosk-prev',
        ' ': 'kiosk-pause', k: 'kiosk-pause', Pause: 'kiosk-pause',
    };
    const id = keys[event.key];
    const button = id && document.getElementById(id);
    if (button) {
        event.preventDefault();
        button.click();
    }
});
