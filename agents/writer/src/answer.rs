//! Reading the LLM's answer, and refusing answers the draft cannot use.

use dailyx_model::{Material, ThreadPlan, Tweet};
use serde::Deserialize;

use dailyx_xtext::weighted_length;

#[derive(Deserialize)]
struct Answer {
    tweets: Vec<AnswerTweet>,
}

#[derive(Deserialize)]
struct AnswerTweet {
    text: String,
    #[serde(default)]
    material_ids: Vec<String>,
}

/// The tweets of an answer, or why the answer is not usable.
///
/// One tweet per beat; every material id must name a material; every tweet
/// must fit. A tweet without ids inherits its beat's, so provenance is
/// never lost.
pub fn parse(text: &str, plan: &ThreadPlan, materials: &[Material]) -> Result<Vec<Tweet>, String> {
    let json = strip_fence(text);
    let answer: Answer = serde_json::from_str(json)
        .map_err(|e| format!("the answer is not the expected JSON ({e})"))?;
    if answer.tweets.len() != plan.beats.len() {
        return Err(format!(
            "expected {} tweets (one per beat), got {}",
            plan.beats.len(),
            answer.tweets.len()
        ));
    }
    let max = plan.max_weighted_length;
    let mut tweets = Vec::with_capacity(answer.tweets.len());
    for (i, (tweet, beat)) in answer.tweets.into_iter().zip(&plan.beats).enumerate() {
        let n = i + 1;
        let text = tweet.text.trim().to_owned();
        if text.is_empty() {
            return Err(format!("tweet {n} is empty"));
        }
        let length = weighted_length(&text);
        if length > max {
            return Err(format!(
                "tweet {n} is {length} weighted characters (max {max})"
            ));
        }
        if let Some(unknown) = tweet
            .material_ids
            .iter()
            .find(|id| !materials.iter().any(|m| &m.id == *id))
        {
            return Err(format!("tweet {n} names an unknown material \"{unknown}\""));
        }
        let material_ids = if tweet.material_ids.is_empty() {
            beat.material_ids.clone()
        } else {
            tweet.material_ids
        };
        tweets.push(Tweet {
            position: i as u32,
            text,
            material_ids,
        });
    }
    Ok(tweets)
}

/// The JSON inside a Markdown code fence, or around stray prose.
fn strip_fence(text: &str) -> &str {
    let text = text.trim();
    match (text.find('{'), text.rfind('}')) {
        (Some(start), Some(end)) if start < end => &text[start..=end],
        _ => text,
    }
}
