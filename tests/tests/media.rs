//! Request and response bodies that are not plain JSON, end to end: the client generated from
//! `tests/media-fixture/media.yaml` (by the same pipeline as every provider crate) against a
//! loopback server. Each request must arrive as the document says: content type, parts, fields.

use agentdial_core::multipart::FilePart;
use agentdial_media_fixture::{Client, ClientOptions, Error, TRANSFORMATIONS, types};
use futures::StreamExt;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AUTH: &str = "Bearer media-key";

fn client(server: &MockServer) -> Client {
    Client::from_options(ClientOptions::new("media-key").base_url(format!("{}/v1", server.uri()))).unwrap()
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = agentdial_tests::received(server, AUTH).await;
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

fn header<'a>(request: &'a Request, name: &str) -> Vec<&'a str> {
    request.headers.get_all(name).iter().map(|v| v.to_str().unwrap()).collect()
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn part(name: &str, file_name: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Part {
    Part {
        name: name.into(),
        file_name: file_name.map(Into::into),
        content_type: content_type.map(Into::into),
        body: body.to_vec(),
    }
}

/// Splits a multipart body along the boundary of its `Content-Type` (RFC 7578 framing).
fn parts(request: &Request) -> Vec<Part> {
    let content_type = header(request, "content-type");
    assert_eq!(content_type.len(), 1, "one Content-Type: {content_type:?}");
    let boundary = content_type[0]
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not a form: {content_type:?}"));
    let delimiter = format!("--{boundary}");
    let body = &request.body;
    let find = |from: usize, needle: &[u8]| {
        body[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
    };
    let mut out = Vec::new();
    let mut at = find(0, delimiter.as_bytes()).expect("first boundary") + delimiter.len();
    loop {
        if body[at..].starts_with(b"--") {
            break;
        }
        assert!(body[at..].starts_with(b"\r\n"));
        let head_end = find(at, b"\r\n\r\n").expect("part headers end");
        let head = std::str::from_utf8(&body[at + 2..head_end]).unwrap();
        let next = find(head_end, format!("\r\n{delimiter}").as_bytes()).expect("next boundary");
        let mut p = Part {
            name: String::new(),
            file_name: None,
            content_type: None,
            body: body[head_end + 4..next].to_vec(),
        };
        for line in head.split("\r\n") {
            let (key, value) = line.split_once(": ").unwrap();
            match key.to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for param in value.split("; ").skip(1) {
                        let (k, v) = param.split_once('=').unwrap();
                        let v = v.trim_matches('"').to_owned();
                        match k {
                            "name" => p.name = v,
                            "filename" => p.file_name = Some(v),
                            other => panic!("unexpected parameter {other}"),
                        }
                    }
                }
                "content-type" => p.content_type = Some(value.to_owned()),
                other => panic!("unexpected part header {other}"),
            }
        }
        out.push(p);
        at = next + 2 + delimiter.len();
    }
    out
}

#[tokio::test]
async fn multipart_upload_sends_one_part_per_field_with_files_as_given() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/voices/v_1/clone"))
        .and(query_param("preview", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "voice_9", "name": "Ada"})))
        .mount(&server)
        .await;
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt \x00\xff".to_vec();
    let voice = client(&server)
        .clone_voice()
        .voice_id("v_1")
        .preview(true)
        .body(types::CloneVoiceRequest {
            clip: FilePart::new(wav.clone()).file_name("sample.wav"),
            extra_clips: vec![
                FilePart::new(vec![0xff, 0xfb, 0x90]).file_name("second.mp3").content_type("audio/mpeg"),
                FilePart::new(vec![7]),
            ],
            name: "Ada".into(),
            sample_rate: Some(44100),
            settings: Some(types::Settings { stability: Some(0.5), style: Some(2) }),
            tags: vec!["calm".into(), "warm".into()],
            voice_language: Some("en".into()),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((voice.id.as_str(), voice.name.as_deref()), ("voice_9", Some("Ada")));

    let request = only_request(&server).await;
    assert_eq!(header(&request, "accept"), ["application/json"]);
    assert_eq!(
        parts(&request),
        vec![
            // No content type of its own: the document's `encoding.clip.contentType`.
            part("clip", Some("sample.wav"), Some("audio/wav"), &wav),
            part("extra_clips", Some("second.mp3"), Some("audio/mpeg"), &[0xff, 0xfb, 0x90]),
            part("extra_clips", None, Some("application/octet-stream"), &[7]),
            part("name", None, None, b"Ada"),
            part("sample_rate", None, None, b"44100"),
            part("settings", None, Some("application/json"), br#"{"stability":0.5,"style":2}"#),
            part("tags", None, None, b"calm"),
            part("tags", None, None, b"warm"),
            part("voice[language]", None, None, b"en"),
        ]
    );
}

#[tokio::test]
async fn multipart_error_status_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/voices/v_1/clone"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"message": "clip too short"})))
        .mount(&server)
        .await;
    let body = types::CloneVoiceRequest::builder().clip(FilePart::new(vec![1])).name("x");
    match client(&server).clone_voice().voice_id("v_1").body(body).send().await {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 422);
            assert_eq!(e.into_inner().message, "clip too short");
        }
        other => panic!("expected the documented 422, got {other:?}"),
    }
}

#[tokio::test]
async fn optional_file_left_out_and_a_bad_part_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/avatars"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = client(&server);
    c.upload_avatar()
        .body(types::UploadAvatarBody { image: None, caption: Some("hi".into()) })
        .send()
        .await
        .unwrap();
    assert_eq!(parts(&only_request(&server).await), vec![part("caption", None, None, b"hi")]);

    let bad = types::UploadAvatarBody {
        image: Some(FilePart::new(vec![1]).content_type("not a content type")),
        caption: None,
    };
    match c.upload_avatar().body(bad).send().await {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("invalid content type \"not a content type\""), "{message}")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "nothing sent for the refused body");
}

#[tokio::test]
async fn form_body_repeats_the_key_of_an_array() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/calls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "CA1"})))
        .mount(&server)
        .await;
    let created = client(&server)
        .create_call()
        .body(types::CreateCallBody {
            to: "+14155550123".into(),
            from: "+14155550100".into(),
            status_callback_event: vec!["initiated".into(), "ringing".into()],
            timeout: Some(30),
            record: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.sid, "CA1");
    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), ["application/x-www-form-urlencoded"]);
    assert_eq!(
        std::str::from_utf8(&request.body).unwrap(),
        "From=%2B14155550100&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&Timeout=30&To=%2B14155550123"
    );
}

#[tokio::test]
async fn of_several_request_media_types_json_is_sent_and_an_untyped_json_response_is_a_value() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/transcripts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "queued", "position": 3})))
        .mount(&server)
        .await;
    let accepted = client(&server)
        .create_transcript()
        .body(types::TranscriptRequest { audio_url: "https://a.example/x.wav".into(), language: None })
        .send()
        .await
        .unwrap()
        .into_inner();
    let accepted: serde_json::Value = accepted;
    assert_eq!(accepted, json!({"status": "queued", "position": 3}));
    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), ["application/json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
        json!({"audio_url": "https://a.example/x.wav"})
    );
}

#[tokio::test]
async fn raw_upload_takes_its_content_type_from_the_header_parameter_else_octet_stream() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/media/m1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a];
    let c = client(&server);
    c.upload_media().media_id("m1").content_type("image/png").body(png.clone()).send().await.unwrap();
    c.upload_media().media_id("m1").body(vec![1u8, 2, 3]).send().await.unwrap();
    let requests = agentdial_tests::received(&server, AUTH).await;
    assert_eq!(header(&requests[0], "content-type"), ["image/png"]);
    assert_eq!(requests[0].body, png);
    assert_eq!(header(&requests[1], "content-type"), ["application/octet-stream"]);
    assert_eq!(requests[1].body, [1, 2, 3]);
}

#[tokio::test]
async fn raw_body_is_sent_with_its_documented_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/recordings/r1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let wav = b"RIFF....WAVE".to_vec();
    client(&server).put_recording().recording_id("r1").body(wav.clone()).send().await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), ["audio/wav"]);
    assert_eq!(request.body, wav);
}

#[tokio::test]
async fn a_plus_json_body_is_json_with_its_own_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/voices/v_1/settings"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    client(&server)
        .patch_voice_settings()
        .voice_id("v_1")
        .body(types::Settings { stability: Some(0.25), style: None })
        .send()
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), ["application/merge-patch+json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
        json!({"stability": 0.25})
    );
}

#[tokio::test]
async fn binary_response_is_read_as_bytes_and_its_error_stays_typed() {
    let server = MockServer::start().await;
    let mp3: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    Mock::given(method("GET"))
        .and(path("/v1/media/m1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(mp3.clone(), "audio/mpeg"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/media/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "no such media"})))
        .mount(&server)
        .await;
    let c = client(&server);
    let response = c.get_media().media_id("m1").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
    let mut stream = response.into_inner();
    let mut received = Vec::new();
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(received, mp3);
    match c.get_media().media_id("gone").send().await {
        Err(Error::ErrorResponse(e)) => assert_eq!(e.into_inner().message, "no such media"),
        Err(other) => panic!("expected the documented 404, got {other:?}"),
        Ok(_) => panic!("expected the documented 404, got a success"),
    }
}

#[tokio::test]
async fn event_stream_response_is_a_byte_stream_of_documented_events() {
    let server = MockServer::start().await;
    let events = "event: chunk\ndata: {\"type\":\"chunk\",\"audio\":\"UklGRg==\"}\n\nevent: done\ndata: {\"type\":\"done\"}\n\n";
    Mock::given(method("POST"))
        .and(path("/v1/tts/sse"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(events, "text/event-stream"))
        .mount(&server)
        .await;
    let response = client(&server)
        .stream_speech()
        .body(types::StreamSpeechBody { text: "hello".into() })
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.into_inner();
    let mut text = Vec::new();
    while let Some(chunk) = stream.next().await {
        text.extend_from_slice(&chunk.unwrap());
    }
    let parsed: Vec<(String, Option<String>)> = std::str::from_utf8(&text)
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str::<types::SpeechEvent>(data).unwrap())
        .map(|event| (event.type_, event.audio))
        .collect();
    assert_eq!(parsed, vec![("chunk".to_owned(), Some("UklGRg==".to_owned())), ("done".to_owned(), None)]);
    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), ["application/json"]);
}

#[test]
fn the_report_names_each_rule_with_its_pointer() {
    for row in [
        "| `multipart_request_bodies` | `/paths/~1voices~1{voice_id}~1clone/post/requestBody/content/multipart~1form-data` |",
        "| `multipart_request_bodies` | `/paths/~1avatars/post/requestBody/content/multipart~1form-data` |",
        "| `form_request_bodies` | `/paths/~1calls/post/requestBody/content/application~1x-www-form-urlencoded` |",
        "| `choose_request_media_type` | `/paths/~1transcripts/post/requestBody/content` | 3 media types (`application/xml`, `application/x-www-form-urlencoded`, `application/json`): `application/json` generated",
        "| `choose_request_media_type` | `/paths/~1media~1{media_id}/put/requestBody/content` |",
        "| `other_request_media_types` | `/paths/~1recordings~1{recording_id}/put/requestBody/content/audio~1wav` | raw content: the body is bytes, sent with `Content-Type: audio/wav` |",
        "| `other_request_media_types` | `/paths/~1voices~1{voice_id}~1settings/patch/requestBody/content/application~1merge-patch+json` |",
        "| `untyped_json_responses` | `/paths/~1transcripts/post/responses/200/content/application~1json` |",
    ] {
        assert!(TRANSFORMATIONS.contains(row), "missing from the report: {row}\n{TRANSFORMATIONS}");
    }
}
