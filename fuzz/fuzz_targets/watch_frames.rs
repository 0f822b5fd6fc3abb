//! The watch in protobuf (`kube::protobuf`, `kube::pod_from_proto`,
//! `kube::event_from_proto`): whatever an API server, or whatever stands
//! between it and the cockpit, sends on the stream is cut into frames,
//! decoded, a pod's made into the row and the diagnosis the panes read, an
//! event's into the record they read.
//!
//! The first byte is the size of the chunks the rest arrives in (as a
//! connection splits a stream anywhere); the rest is the stream.
#![no_main]

use jhub_cockpit::kube::diagnosis::{self, DiagnosisInput};
use jhub_cockpit::kube::event_record::EventRecord;
use jhub_cockpit::kube::pod_row::PodRow;
use jhub_cockpit::kube::protobuf::{self, Frames};
use jhub_cockpit::kube::{event_from_proto, pod_from_proto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let mut frames = Frames::default();
    let mut taken = 0;
    for piece in stream.chunks(usize::from(chunk).max(1)) {
        frames.push(piece);
        loop {
            let frame = match frames.next_frame() {
                Ok(Some(f)) => f,
                // A length past any object ends the stream (the watch
                // fails and is started again).
                Ok(None) | Err(_) => break,
            };
            taken += 4 + frame.len();
            let Ok(event) = protobuf::event(&frame) else {
                continue;
            };
            match protobuf::kind_of(&event.object) {
                "Status" => {
                    let _ = protobuf::status(&event.object);
                    continue;
                }
                "Event" => {
                    if let Ok(e) = protobuf::decode_as(&event.object, "Event") {
                        let _ = EventRecord::from(event_from_proto::event(e));
                    }
                    continue;
                }
                _ => {}
            }
            let Ok(pod) = protobuf::decode_as(&event.object, "Pod") else {
                continue;
            };
            let pod = pod_from_proto::pod(pod);
            let row = PodRow::from_pod(&pod);
            let _ = diagnosis::diagnose(&DiagnosisInput::pod_alone(&pod, &row));
        }
    }
    // Nothing is made up or lost: what was taken and what waits is what came.
    assert_eq!(taken + frames.pending(), stream.len());
});
