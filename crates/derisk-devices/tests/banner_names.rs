//! Makers' names and product lines in banners, on the shipped registry.

mod common;

use derisk_devices::{Device, Field, Lookalikes};

/// The verdict on a device with these values: maker, confidence, bases and
/// the first statement.
fn verdict(values: &[(Field, &str)]) -> String {
    let d = Device {
        id: "d".into(),
        values: values.iter().map(|&(f, v)| (f, v.to_owned())).collect(),
        ..Device::default()
    };
    common::with_identifier(|id| {
        let v = id.identify(&d);
        format!(
            "{} {:.2} [{}] {}",
            v.maker.map_or("-", |m| m.id.as_str()),
            v.confidence,
            v.basis.join(", "),
            v.evidence.first().map_or("", |e| e.statement.as_str())
        )
    })
}

#[test]
fn a_makers_name_in_a_banner_names_it() {
    assert_eq!(
        verdict(&[(Field::SshBanner, "SSH-2.0-HUAWEI-1.5")]),
        "huawei 0.85 [banner-name] its ssh_banner \"SSH-2.0-HUAWEI-1.5\" says \"Huawei\", a name of Huawei Technologies Co., Ltd."
    );
    assert_eq!(
        verdict(&[(Field::SipUserAgent, "Huawei eSpace IAD132E(T) V300R001C07")]),
        "huawei 0.85 [banner-name] its sip_user_agent \"Huawei eSpace IAD132E(T) V300R001C07\" says \"Huawei\", a name of Huawei Technologies Co., Ltd."
    );
    // A short form written as the registry writes it, inside a word run.
    assert_eq!(
        verdict(&[(Field::SshBanner, "SSH-2.0-ZTE_SSH.2.0")]),
        "zte 0.85 [banner-name] its ssh_banner \"SSH-2.0-ZTE_SSH.2.0\" says \"ZTE\", a name of ZTE Corporation"
    );
    assert_eq!(
        verdict(&[(Field::HttpTitle, "UNV NVR")]),
        "uniview 0.85 [banner-name] its http_title \"UNV NVR\" says \"UNV\", a name of Zhejiang Uniview Technologies Co., Ltd."
    );
    // The enterprise of an SNMPv3 engine ID, as nmap's snmp-info names it.
    assert_eq!(
        verdict(&[(Field::SnmpEnterprise, "ZTE Corporation")]),
        "zte 0.85 [banner-name] its snmp_enterprise \"ZTE Corporation\" says \"ZTE\", a name of ZTE Corporation"
    );
    // A Chinese name anywhere in the text.
    assert_eq!(
        verdict(&[(Field::HttpTitle, "海康威视网络摄像机")]),
        "hikvision 0.85 [banner-name] its http_title \"海康威视网络摄像机\" says \"海康威视\", a name of Hangzhou Hikvision Digital Technology Co., Ltd."
    );
}

#[test]
fn short_forms_count_only_as_the_registry_writes_them_and_only_for_makers() {
    assert_eq!(
        verdict(&[(Field::HttpServer, "zte web server")]),
        "- 0.00 [] "
    );
    assert_eq!(verdict(&[(Field::HttpTitle, "Zte")]), "- 0.00 [] ");
    // PPA is a port operator's short form in the COSCO family: no maker.
    assert_eq!(
        verdict(&[(Field::TlsSubject, "CN=gate,O=PPA")]),
        "- 0.00 [] "
    );
    // A name inside another word is no name.
    assert_eq!(
        verdict(&[(Field::HttpTitle, "Dahuamatic 3000")]),
        "- 0.00 [] "
    );
}

#[test]
fn product_lines_that_belong_to_one_maker_name_it_and_shared_ones_do_not() {
    assert_eq!(
        verdict(&[(
            Field::SnmpSysdescr,
            "ZXR10 ROS Version V4.08.23 ZXR10 T160G Software"
        )]),
        "zte 0.80 [banner-name] its snmp_sysdescr \"ZXR10 ROS Version V4.08.23 ZXR10 T160G Software\" names ZTE Corporation's product line ZXR (ZXR10 switches and routers)"
    );
    assert_eq!(
        verdict(&[(
            Field::HttpWwwAuthenticate,
            "Basic realm=\"EchoLife Home Gateway\""
        )]),
        "huawei 0.80 [banner-name] its http_www_authenticate \"Basic realm=\\\"EchoLife Home Gateway\\\"\" names Huawei Technologies Co., Ltd.'s product line EchoLife (optical network terminals and home gateways)"
    );
    // HG model numbers are Huawei's and FiberHome's alike.
    assert_eq!(verdict(&[(Field::DeclaredModel, "HG6245D")]), "- 0.00 [] ");
    assert_eq!(verdict(&[(Field::DeclaredModel, "HG8245H")]), "- 0.00 [] ");
}

#[test]
fn lookalikes_are_passed_over() {
    let l = derisk_registry::curated::clean(Lookalikes::bundled()).unwrap();
    let registry = derisk_registry::bundled().registry;
    for x in &l.lookalikes {
        assert!(
            registry.entity(&x.entity).is_some(),
            "{}: {} is not a registry entity",
            x.phrase,
            x.entity
        );
        for example in &x.examples {
            let v = verdict(&[(Field::SnmpSysdescr, example)]);
            assert_eq!(v, "- 0.00 [] ", "{example}");
        }
    }
}

#[test]
fn a_placeholder_brand_with_a_makers_model_is_that_makers() {
    // Dahua's firmware reports the manufacturer "General"; the model says
    // who made it.
    assert_eq!(
        verdict(&[
            (Field::OnvifManufacturer, "General"),
            (Field::OnvifModel, "IPC-HDW2431T-AS-S2"),
        ]),
        "dahua 0.80 [fingerprint] rule dahua-model-number: A Dahua model number in an inventory, a declaration, an ONVIF reply or a sysDescr: Dahua's own DH- and DHI- models, the IPC-HDW and IPC-HDBW dome and IPC-HFW bullet cameras, and the XVR recorders; model IPC-HDW2431T-AS-S2"
    );
    // Uniview's short brand as the manufacturer.
    assert_eq!(
        verdict(&[(Field::OnvifManufacturer, "UNV")]),
        "uniview 0.60 [declared] declared \"UNV\", that is Zhejiang Uniview Technologies Co., Ltd."
    );
}
