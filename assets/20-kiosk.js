// The kiosk's keyboard, for the operator at the wall: → or N next page, ← or P
// previous, space or K pause and resume. Keys press the strip's own buttons, so the
// keyboard and a mouse do exactly the same thing.
//
// The pages on the wall only show: the styles take their clicks and taps away
// (pointer-events), and before any key acts the stage turns inert, so no Tab and
// Enter can reach a link or a map there either. Nothing leaves the rotation.
document.addEventListener('keydown', function (event) {
    if (!document.getElementById('kiosk')) { return; }
    const stage = document.getElementById('kiosk-stage');
    if (stage && !stage.inert) { stage.inert = true; }
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
